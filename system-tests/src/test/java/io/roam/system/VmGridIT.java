package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on real VMs: the guest image is built with the real guest agent, a local grid (its
 * embedded ZooKeeper and manager) is started, vm-node runs against libvirtd ({@code
 * qemu:///system}) and boots two nodes as QEMU TCG guests; both agents join the grid from inside
 * their VMs, and a counter migrates from one VM to the other and back without a gap or a repeat.
 *
 * <p>Opt-in ({@code -Droam.e2e=true}): it needs root, libvirtd, debootstrap's mirror (for a first
 * image build) and many minutes of software emulation. {@code -Droam.e2e.image=DIR} reuses an image
 * already built into DIR. Each phase's time is printed and written to {@code
 * target/vm-grid-e2e.txt}.
 */
@EnabledIfSystemProperty(named = "roam.e2e", matches = "true")
class VmGridIT {
  private static final String HOST = "e2e";
  private static final String URI = "qemu:///system";
  private static final List<String> NODES = List.of("c1-v1", "c1-v2");

  @TempDir Path temp;
  private final Path home =
      Path.of(System.getProperty("roam.home", "..")).toAbsolutePath().normalize();
  private Gridctl gridctl;
  private Process vmNode;
  private Path vmState;
  private final Map<String, Duration> phases = new LinkedHashMap<>();

  @AfterEach
  void stop() throws Exception {
    if (gridctl != null) {
      for (String node : NODES) {
        gridctl.run("vm", "remove", "--host", HOST, node);
      }
      // vm-node asks each guest to power off and undefines it; give it the time TCG needs.
      waitUntil(Duration.ofMinutes(3), () -> !domainsPresent());
    }
    if (vmNode != null) {
      vmNode.destroy();
      vmNode.waitFor(20, TimeUnit.SECONDS);
      vmNode.destroyForcibly();
    }
    // Whatever is left of this test's domains (and only of them) goes.
    for (String node : NODES) {
      virsh("destroy", "roam-" + node);
      virsh("undefine", "roam-" + node);
    }
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  @Test
  void twoVmNodesJoinTheGridAndACounterMovesBetweenThemAndBack() throws Exception {
    // 1. The image, with the agent this build made.
    Path images = imageDir();

    // 2. A local grid: embedded ZooKeeper, manager, cluster c1 (and its one local node).
    gridctl = new Gridctl(temp.resolve("grid"));
    Gridctl.Result up =
        gridctl.run(
            Duration.ofSeconds(300),
            "up",
            "--clusters",
            "1",
            "--nodes-per-cluster",
            "1",
            "--port",
            Integer.toString(freePort()));
    assertThat(up.exitCode()).as(up.toString()).isZero();
    JsonNode grid =
        Json.mapper().readTree(Files.readAllBytes(gridctl.stateDir().resolve("grid.json")));

    // 3. vm-node against libvirtd, TCG.
    vmState = Files.createDirectories(temp.resolve("vm-state"));
    vmNode =
        new ProcessBuilder(
                "java",
                "-jar",
                home.resolve("vm-node/target/vm-node.jar").toString(),
                "--zk",
                grid.get("zookeeper").asText(),
                "--host-id",
                HOST,
                "--libvirt-uri",
                URI,
                "--domain-type",
                "qemu",
                "--images-dir",
                images.toString(),
                "--state-dir",
                vmState.toString(),
                "--agent-secret-file",
                gridctl.stateDir().resolve("agent.secret").toString(),
                "--reconcile-interval",
                "PT2S",
                "--shutdown-timeout",
                "PT90S")
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("vm-node.log").toFile())
            .start();
    waitUntil(Duration.ofMinutes(5), () -> gridctl.run("host", "list").out().contains(HOST));

    // 4. Two nodes of c1 as VMs booted from the image's kernel.
    Instant t0 = Instant.now();
    Gridctl.Result add =
        gridctl.run(
            Duration.ofSeconds(60),
            "vm",
            "add",
            "--host",
            HOST,
            "--cluster",
            "c1",
            "--count",
            "2",
            "--vcpus",
            "1",
            "--memory-mib",
            "1024",
            "--image",
            "roam-guest.qcow2",
            "--sha256",
            sha(images, "roam-guest.qcow2"),
            "--kernel",
            "roam-guest.vmlinuz",
            "--kernel-sha256",
            sha(images, "roam-guest.vmlinuz"),
            "--initrd",
            "roam-guest.initrd",
            "--initrd-sha256",
            sha(images, "roam-guest.initrd"),
            "--json");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    assertThat(Json.mapper().readTree(add.out()).findValuesAsText("node"))
        .containsExactlyElementsOf(NODES);
    waitUntil(
        Duration.ofMinutes(10),
        () -> vmStates().equals(List.of("running", "running")),
        this::diagnostics);
    Instant running = Instant.now();
    phases.put("define and start both VMs (vm add to both running)", Duration.between(t0, running));

    // 5. Both agents register from inside their VMs.
    waitUntil(Duration.ofMinutes(20), () -> registered().containsAll(NODES), this::diagnostics);
    Instant joined = Instant.now();
    phases.put("boot to both agents registered", Duration.between(running, joined));
    JsonNode v1 = node("c1-v1");
    assertThat(v1.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(v1.get("sandboxed").asBoolean()).isTrue();

    // 6. A counter on one VM, to the other and back.
    String job =
        ok(
                "run",
                "--node",
                "c1-v1",
                "--",
                "sh",
                "-c",
                "i=0; while true; do echo $i; i=$((i+1)); sleep 0.2; done")
            .trim();
    waitUntil(Duration.ofMinutes(3), () -> lines(job) >= 5, this::diagnostics);
    migrateAndGoOn(job, "c1-v2");
    migrateAndGoOn(job, "c1-v1");

    JsonNode record = job(job);
    assertThat(record.get("node").asText()).isEqualTo("c1-v1");
    assertThat(record.get("migrations").asInt()).isEqualTo(2);
    ok("kill", job);
    gridctl.run(Duration.ofSeconds(120), "wait", job);
    List<String> out = ok("logs", job).lines().toList();
    assertThat(out.size()).isGreaterThanOrEqualTo(15);
    for (int i = 0; i < out.size(); i++) {
      assertThat(out.get(i)).as("line %d", i).isEqualTo(Integer.toString(i));
    }
    report();
  }

  private void migrateAndGoOn(String job, String target) throws Exception {
    int before = lines(job);
    Instant t0 = Instant.now();
    Gridctl.Result r =
        gridctl.run(Duration.ofSeconds(900), "migrate", "--wait", "--json", job, target);
    Duration took = Duration.between(t0, Instant.now());
    assertThat(r.exitCode()).as(r + diagnostics()).isZero();
    JsonNode outcome = Json.mapper().readTree(r.out());
    assertThat(outcome.get("succeeded").asBoolean()).as(r.out()).isTrue();
    phases.put(
        String.format(
            "migrate to %s (gridctl migrate --wait; agent: %d ms, frozen %d ms, %d KiB)",
            target,
            outcome.path("totalMillis").asLong(),
            outcome.path("frozenMillis").asLong(),
            outcome.path("bytes").asLong() / 1024),
        took);
    assertThat(job(job).get("node").asText()).isEqualTo(target);
    // It goes on counting where it is now.
    waitUntil(Duration.ofMinutes(3), () -> lines(job) >= before + 5, this::diagnostics);
  }

  private Path imageDir() throws Exception {
    String reuse = System.getProperty("roam.e2e.image", "");
    if (!reuse.isBlank()) {
      Path dir = Path.of(reuse).toAbsolutePath();
      assertThat(dir.resolve("roam-guest.qcow2")).exists();
      return dir;
    }
    Path out = Files.createDirectories(temp.resolve("images"));
    Instant t0 = Instant.now();
    Process build =
        new ProcessBuilder(
                home.resolve("images/build-image.sh").toString(),
                "--agent-jar",
                home.resolve("guest-agent/target/guest-agent.jar").toString(),
                "--out",
                out.toString())
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("build-image.log").toFile())
            .start();
    assertThat(build.waitFor(30, TimeUnit.MINUTES)).as("image built in 30 min").isTrue();
    assertThat(build.exitValue()).as(Files.readString(temp.resolve("build-image.log"))).isZero();
    phases.put(
        "image build (build-image.sh; "
            + (Files.readString(temp.resolve("build-image.log")).contains("using the cached tree")
                ? "tree cached"
                : "tree bootstrapped")
            + ")",
        Duration.between(t0, Instant.now()));
    return out;
  }

  private List<String> vmStates() {
    try {
      return Json.mapper().readTree(ok("vm", "list", "--json")).findValuesAsText("state");
    } catch (IOException e) {
      return List.of();
    }
  }

  private List<String> registered() {
    try {
      return Json.mapper().readTree(ok("node", "list", "--json")).findValuesAsText("id");
    } catch (IOException e) {
      return List.of();
    }
  }

  private JsonNode node(String id) throws IOException {
    for (JsonNode n : Json.mapper().readTree(ok("node", "list", "--json"))) {
      if (n.get("id").asText().equals(id)) {
        return n;
      }
    }
    throw new AssertionError("no node " + id);
  }

  private JsonNode job(String id) throws IOException {
    for (JsonNode j : Json.mapper().readTree(ok("ps", "--json")).get("items")) {
      if (j.get("id").asText().equals(id)) {
        return j;
      }
    }
    throw new AssertionError("no job " + id);
  }

  /** gridctl with room for a guest under emulation to answer. */
  private String ok(String... args) {
    Gridctl.Result r = gridctl.run(Duration.ofSeconds(300), args);
    if (r.exitCode() != 0) {
      throw new AssertionError("gridctl " + String.join(" ", args) + " failed: " + r);
    }
    return r.out();
  }

  private int lines(String job) {
    Gridctl.Result r = gridctl.run(Duration.ofSeconds(120), "logs", job);
    return r.exitCode() == 0 ? (int) r.out().lines().count() : 0;
  }

  private boolean domainsPresent() {
    return NODES.stream().anyMatch(n -> Files.isDirectory(vmState.resolve("domains/roam-" + n)));
  }

  private String diagnostics() {
    StringBuilder s = new StringBuilder();
    for (String node : NODES) {
      s.append("\n--- console of ").append(node).append(" (last 60 lines)\n");
      s.append(tail(vmState.resolve("domains/roam-" + node + "/console.log"), 60));
    }
    s.append("\n--- vm-node (last 30 lines)\n").append(tail(temp.resolve("vm-node.log"), 30));
    return s.toString();
  }

  private static String tail(Path file, int n) {
    try {
      List<String> lines =
          List.of(
              new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                  .replace("\r", "")
                  .split("\n"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  private void report() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("VmGridIT phases (" + Instant.now() + "):");
    phases.forEach(
        (what, d) -> lines.add(String.format("  %-75s %7.1f s", what, d.toMillis() / 1000.0)));
    String text = String.join("\n", lines) + "\n";
    System.out.print(text);
    Path target = home.resolve("system-tests/target");
    Files.createDirectories(target);
    Files.writeString(target.resolve("vm-grid-e2e.txt"), text);
  }

  private static String sha(Path dir, String file) throws IOException {
    return Files.readString(dir.resolve(file + ".sha256")).trim().split("\\s+")[0];
  }

  private static void virsh(String... args) {
    List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", URI));
    argv.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no virsh: nothing was left by it either
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void waitUntil(Duration limit, BooleanSupplier done) throws InterruptedException {
    waitUntil(limit, done, () -> "");
  }

  private static void waitUntil(
      Duration limit, BooleanSupplier done, java.util.function.Supplier<String> why)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not done within " + limit + why.get());
      }
      Thread.sleep(2000);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
