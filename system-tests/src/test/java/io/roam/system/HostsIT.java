package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import io.roam.manager.zk.LoopbackPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An owner asks for nodes as VMs on a host: the manager writes the host's desired domains, the real
 * vm-node daemon (against libvirt's test driver) defines and starts them and reports them back, all
 * through bin/gridctl and a real ZooKeeper.
 */
class HostsIT {
  @TempDir Path temp;
  private Gridctl gridctl;
  private Process vmNode;

  @AfterEach
  void stop() {
    if (vmNode != null) {
      vmNode.destroyForcibly();
    }
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  @Test
  void vmsAreAskedForStartedListedAndGivenBack() throws Exception {
    int port = LoopbackPorts.free();
    gridctl = new Gridctl(temp.resolve("grid"));
    assertThat(
            gridctl.run(Duration.ofSeconds(240), "up", "--port", Integer.toString(port)).exitCode())
        .isZero();
    JsonNode info =
        Json.mapper().readTree(Files.readAllBytes(gridctl.stateDir().resolve("grid.json")));
    Path images = Files.createDirectories(temp.resolve("images"));
    Path image = images.resolve("base.qcow2");
    // A tiny but real qcow2 image: the daemon makes copy-on-write overlays of it.
    Process mk =
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "16M")
            .inheritIO()
            .start();
    assertThat(mk.waitFor()).isZero();
    String sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(image)));
    Path home = Path.of(System.getProperty("roam.home", "..")).toAbsolutePath().normalize();
    vmNode =
        new ProcessBuilder(
                "java",
                "-jar",
                home.resolve("vm-node/target/vm-node.jar").toString(),
                "--zk",
                info.get("zookeeper").asText(),
                "--host-id",
                "h1",
                "--libvirt-uri",
                "test:///default",
                "--domain-type",
                "qemu",
                "--images-dir",
                images.toString(),
                "--state-dir",
                Files.createDirectories(temp.resolve("vm-state")).toString(),
                "--agent-secret-file",
                gridctl.stateDir().resolve("agent.secret").toString(),
                "--reconcile-interval",
                "PT1S")
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("vm-node.log").toFile())
            .start();
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(60)))
        .until(() -> gridctl.ok("host", "list").contains("h1"));

    Gridctl.Result add =
        gridctl.run(
            "vm",
            "add",
            "--host",
            "h1",
            "--cluster",
            "c1",
            "--count",
            "2",
            "--memory-mib",
            "256",
            "--image",
            "base.qcow2",
            "--sha256",
            sha,
            "--json");
    assertThat(add.exitCode()).as(add.toString()).isZero();
    List<String> nodes = Json.mapper().readTree(add.out()).findValuesAsText("node");
    assertThat(nodes).containsExactly("c1-v1", "c1-v2");
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(60)))
        .until(
            () ->
                Json.mapper()
                    .readTree(gridctl.ok("vm", "list", "--json"))
                    .findValuesAsText("state"),
            s -> s.equals(List.of("running", "running")));

    Gridctl.Result tooMany =
        gridctl.run(
            "vm",
            "add",
            "--host",
            "h1",
            "--cluster",
            "c1",
            "--count",
            "64",
            "--image",
            "base.qcow2",
            "--sha256",
            sha);
    assertThat(tooMany.err()).contains("not enough for 64");
    assertThat(
            gridctl
                .run(
                    "vm",
                    "add",
                    "--host",
                    "h9",
                    "--cluster",
                    "c1",
                    "--image",
                    "base.qcow2",
                    "--sha256",
                    sha)
                .err())
        .contains("unknown host 'h9'");
    assertThat(
            gridctl
                .run(
                    "vm",
                    "add",
                    "--host",
                    "h1",
                    "--cluster",
                    "c1",
                    "--image",
                    "../etc/passwd",
                    "--sha256",
                    sha)
                .err())
        .contains("not a plain file name");

    // --drain with nothing running on the node: nothing moves, the VM goes.
    Gridctl.Result removed =
        gridctl.run("vm", "remove", "--drain", "--json", "--host", "h1", "c1-v1");
    assertThat(removed.exitCode()).as(removed.toString()).isZero();
    assertThat(Json.mapper().readTree(removed.out()).get("moved")).isEmpty();
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(60)))
        .until(
            () ->
                Json.mapper().readTree(gridctl.ok("vm", "list", "--json")).findValuesAsText("node"),
            n -> n.equals(List.of("c1-v2")));
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(60)))
        .until(
            () ->
                Json.mapper()
                        .readTree(gridctl.ok("host", "list", "--json"))
                        .get(0)
                        .get("domains")
                        .size()
                    == 1);

    vmNode.destroyForcibly().waitFor();
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(60)))
        .until(() -> !gridctl.ok("host", "list").contains("h1"));
  }
}
