package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import io.roam.manager.zk.LoopbackPorts;
import java.io.IOException;
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
 * their VMs, and a counter migrates from one VM to the other and back without a gap or a repeat;
 * then the first VM is given back with {@code gridctl vm remove --drain}, which moves the counter
 * to the other VM first.
 *
 * <p>Opt-in ({@code -Droam.e2e=true}): it needs root, libvirtd ({@code scripts/setup.sh --e2e}
 * installs and starts it), debootstrap's mirror (for a first image build) and many minutes of
 * software emulation. {@code -Droam.e2e.image=DIR} reuses an image already built into DIR. Each
 * phase's time is printed and written to {@code target/vm-grid-e2e.txt}.
 */
@EnabledIfSystemProperty(named = "roam.e2e", matches = "true")
class VmGridIT {
  private static final String HOST = "e2e";
  private static final String URI = "qemu:///system";

  /**
   * A cluster of VMs only: the local grid's own node (of c1) advertises a 127.0.1.x address, which
   * guests cannot reach (QEMU's user network maps only the host's 127.0.0.1).
   */
  private static final String CLUSTER = "vm";

  private static final List<String> NODES = List.of("vm-v1", "vm-v2");

  private static final String FORWARD_ADDRESS = System.getProperty("roam.e2e.forwardAddress", "");

  @TempDir Path temp;
  private final Path home =
      Path.of(System.getProperty("roam.home", "..")).toAbsolutePath().normalize();
  private Gridctl gridctl;
  private Process vmNode;
  private Path vmState;
  private final Map<String, Duration> phases = new LinkedHashMap<>();

  @AfterEach
  void stop() throws Exception {
    // Each step runs whatever the one before did: nothing of this test may outlive it.
    if (vmNode != null) {
      vmNode.destroy();
      if (!vmNode.waitFor(30, TimeUnit.SECONDS)) {
        vmNode.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    // vm-node leaves its VMs running when it stops; this test's domains (and only they) go.
    for (String node : NODES) {
      virsh("destroy", "roam-" + node);
      virsh("undefine", "roam-" + node);
    }
    if (gridctl != null) {
      gridctl.run(Duration.ofSeconds(120), "down");
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
            Integer.toString(LoopbackPorts.free()));
    assertThat(up.exitCode()).as(up.toString()).isZero();
    JsonNode grid =
        Json.mapper().readTree(Files.readAllBytes(gridctl.stateDir().resolve("grid.json")));
    ok("cluster", "create", CLUSTER);

    // 3. vm-node against libvirtd, TCG; with -Droam.e2e.forwardAddress=ADDR (an address of this
    // machine other than loopback) the guests are reached there, as guests on other hosts would.
    vmState = Files.createDirectories(temp.resolve("vm-state"));
    List<String> vmNodeCommand =
        new ArrayList<>(
            List.of(
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
                "PT90S"));
    if (!FORWARD_ADDRESS.isEmpty()) {
      vmNodeCommand.addAll(List.of("--forward-address", FORWARD_ADDRESS));
    }
    vmNode =
        new ProcessBuilder(vmNodeCommand)
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
            CLUSTER,
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
    // The agents' first answers under emulation are slow (classes load, nothing is compiled yet).
    for (String node : NODES) {
      gridctl.run(Duration.ofSeconds(120), "node", "load", node);
    }
    JsonNode v1 = node("vm-v1");
    assertThat(v1.get("address").asText())
        .isEqualTo(FORWARD_ADDRESS.isEmpty() ? "127.0.0.1" : FORWARD_ADDRESS);
    assertThat(v1.get("sandboxed").asBoolean()).isTrue();

    // 6. A counter on one VM, to the other and back.
    String job =
        runTolerant(
            "vm-v1", "sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.2; done");
    waitUntil(Duration.ofMinutes(3), () -> lines(job) >= 5, this::diagnostics);
    migrateAndGoOn(job, "vm-v2");
    migrateAndGoOn(job, "vm-v1");
    assertThat(job(job).get("migrations").asInt()).isEqualTo(2);

    // 7. vm-v1 goes back to the host; its job moves to vm-v2 first.
    int before = lines(job);
    Instant d0 = Instant.now();
    Gridctl.Result drained =
        gridctl.run(
            Duration.ofSeconds(900), "vm", "remove", "--drain", "--json", "--host", HOST, "vm-v1");
    assertThat(drained.exitCode()).as(drained + diagnostics()).isZero();
    phases.put(
        "vm remove --drain vm-v1 (its job moves to vm-v2)", Duration.between(d0, Instant.now()));
    assertThat(Json.mapper().readTree(drained.out()).get("moved").findValuesAsText("to"))
        .containsExactly("vm-v2");
    JsonNode record = job(job);
    assertThat(record.get("node").asText()).isEqualTo("vm-v2");
    assertThat(record.get("migrations").asInt()).isEqualTo(3);
    waitUntil(Duration.ofMinutes(3), () -> lines(job) >= before + 5, this::diagnostics);
    // A cold agent under emulation may answer after the manager's 20 s limit: the job's record,
    // not the HTTP answer, says whether it ended.
    gridctl.run(Duration.ofSeconds(120), "kill", job);
    waitUntil(
        Duration.ofMinutes(3),
        () -> !job(job).get("state").asText().equals("RUNNING"),
        this::diagnostics);
    waitUntil(Duration.ofMinutes(2), () -> gridctl.run("logs", job).exitCode() == 0);
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

  private JsonNode job(String id) {
    JsonNode page;
    try {
      page = Json.mapper().readTree(ok("ps", "--json"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    for (JsonNode j : page.get("items")) {
      if (j.get("id").asText().equals(id)) {
        return j;
      }
    }
    throw new AssertionError("no job " + id);
  }

  /**
   * Starts a job on a node. The manager gives an agent 20 s to answer; a guest agent's first launch
   * under emulation can take longer (it starts the job, then its answer is late), so a late answer
   * is checked against the job's record.
   */
  private String runTolerant(String node, String... command) throws Exception {
    List<String> args = new ArrayList<>(List.of("run", "--node", node, "--"));
    args.addAll(List.of(command));
    Gridctl.Result r = gridctl.run(Duration.ofSeconds(300), args.toArray(String[]::new));
    if (r.exitCode() == 0) {
      return r.out().trim();
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("job (j[0-9]+)").matcher(r.err());
    assertThat(m.find()).as(r.toString()).isTrue();
    String job = m.group(1);
    System.out.println(
        "VmGridIT: gridctl run answered late (" + r.err().trim() + "); checking " + job);
    waitUntil(
        Duration.ofMinutes(2),
        () -> job(job).get("state").asText().equals("RUNNING"),
        () -> r + diagnostics());
    return job;
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
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
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
}
