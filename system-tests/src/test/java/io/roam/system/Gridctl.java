package io.roam.system;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import io.roam.manager.zk.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the shipped bin/gridctl, as a user would, against one local grid state directory. */
final class Gridctl {
  static final double TIME_SCALE =
      Double.parseDouble(System.getProperty("roam.test.timeScale", "1"));

  private final Path home;
  private final Path stateDir;

  Gridctl(Path stateDir) {
    this(Path.of(System.getProperty("roam.home", "..")).toAbsolutePath().normalize(), stateDir);
  }

  Gridctl(Path home, Path stateDir) {
    this.home = home;
    this.stateDir = stateDir;
  }

  Path stateDir() {
    return stateDir;
  }

  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Prints 0, 1, 2 ... every 50 ms: its output shows any gap or repeat across a move. */
  static final String COUNTER = "i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done";

  /** Skips a test that needs live migration where it cannot run, unless CRIU is required. */
  static void assumeMigration() {
    if (!Boolean.getBoolean("roam.requireCriu")) {
      assumeTrue(
          "root".equals(System.getProperty("user.name")),
          "live migration needs root (PID namespaces, CRIU)");
    }
  }

  /**
   * Starts a local grid on a free port with these further {@code up} arguments; fails with
   * gridctl's output when it does not start.
   */
  static Gridctl up(Path stateDir, String... upArgs) throws IOException {
    Gridctl gridctl = new Gridctl(stateDir);
    List<String> args =
        new ArrayList<>(List.of("up", "--port", Integer.toString(LoopbackPorts.free())));
    args.addAll(List.of(upArgs));
    Result up = gridctl.run(Duration.ofSeconds(240), args.toArray(String[]::new));
    if (up.exitCode() != 0) {
      throw new AssertionError("gridctl up failed: " + up);
    }
    // Every start shows the admin token it keeps in the state directory.
    String token =
        Json.mapper().readTree(stateDir.resolve("grid.json").toFile()).get("token").asText();
    if (!up.out().contains("Admin token: " + token)) {
      throw new AssertionError("gridctl up did not print the admin token of grid.json: " + up);
    }
    return gridctl;
  }

  static void pause(long millis) throws InterruptedException {
    Thread.sleep(scaled(Duration.ofMillis(millis)).toMillis());
  }

  static Duration scaled(Duration d) {
    return Duration.ofMillis((long) (d.toMillis() * TIME_SCALE));
  }

  Result run(Duration timeout, String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(home.resolve("bin/gridctl").toString());
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("ROAM_STATE_DIR", stateDir.toString());
    // The reactor has just built the jars this test is about.
    pb.environment().put("ROAM_NO_BUILD", "1");
    pb.environment().remove("ROAM_API");
    pb.environment().remove("ROAM_TOKEN");
    try {
      Path out = Files.createTempFile("gridctl", ".out");
      Path err = Files.createTempFile("gridctl", ".err");
      pb.redirectOutput(out.toFile());
      pb.redirectError(err.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      if (!p.waitFor(scaled(timeout).toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError(
            "gridctl " + String.join(" ", args) + " did not finish in " + timeout);
      }
      Result r =
          new Result(
              p.exitValue(),
              Files.readString(out, StandardCharsets.UTF_8),
              Files.readString(err, StandardCharsets.UTF_8));
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      return r;
    } catch (IOException e) {
      throw new AssertionError("cannot run gridctl: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  Result run(String... args) {
    return run(Duration.ofSeconds(60), args);
  }

  /** Runs and requires exit 0; returns stdout. */
  String ok(String... args) {
    Result r = run(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("gridctl " + String.join(" ", args) + " failed: " + r);
    }
    return r.out();
  }

  /** The job as {@code ps --json} shows it. */
  JsonNode job(String id) throws IOException {
    for (JsonNode j : Json.mapper().readTree(ok("ps", "--json")).get("items")) {
      if (j.get("id").asText().equals(id)) {
        return j;
      }
    }
    throw new AssertionError("no job " + id);
  }

  /** The running jobs by id. */
  Map<String, JsonNode> running() throws IOException {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode j :
        Json.mapper().readTree(ok("ps", "--json", "--state", "running")).get("items")) {
      out.put(j.get("id").asText(), j);
    }
    return out;
  }
}
