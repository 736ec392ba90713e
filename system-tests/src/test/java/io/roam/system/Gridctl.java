package io.roam.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
}
