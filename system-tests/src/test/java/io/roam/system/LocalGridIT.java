package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import io.roam.manager.zk.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole local grid, driven through bin/gridctl: a real embedded ZooKeeper, a real manager, four
 * real agents in their sandboxes, real jobs. One grid serves the tests in order; the last one stops
 * it and checks that nothing is left running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalGridIT {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  @TempDir static Path temp;
  private Gridctl gridctl;
  private int port;
  private long managerPid;

  @BeforeAll
  void up() throws Exception {
    port = LoopbackPorts.free();
    gridctl = new Gridctl(temp.resolve("grid"));
    Gridctl.Result up =
        gridctl.run(Duration.ofSeconds(240), "up", "--port", Integer.toString(port), "--json");
    assertThat(up.exitCode()).as(up.toString()).isZero();
    managerPid = Json.mapper().readTree(up.out()).get("pid").asLong();
    assertThat(up.err()).contains("nodes up: 4/4", "ready");
  }

  @AfterAll
  void cleanup() {
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  @Test
  @Order(1)
  void fourNodesInTwoClustersEachWithItsOwnAddress() throws Exception {
    JsonNode nodes = Json.mapper().readTree(gridctl.ok("node", "list", "--json"));

    assertThat(nodes).hasSize(4);
    Set<String> ids = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (JsonNode n : nodes) {
      ids.add(n.get("id").asText());
      addresses.add(n.get("address").asText());
      assertThat(n.get("sandboxed").asBoolean()).isEqualTo(ROOT);
    }
    assertThat(ids).containsExactlyInAnyOrder("c1-n1", "c1-n2", "c2-n1", "c2-n2");
    assertThat(addresses)
        .containsExactlyInAnyOrder("127.0.1.1", "127.0.1.2", "127.0.2.1", "127.0.2.2");
    assertThat(gridctl.ok("status")).contains("clusters: 2", "nodes up: 4");
  }

  @Test
  @Order(2)
  void aJobRunsWaitsAndShowsItsOutput() {
    String job = gridctl.ok("run", "--", "sh", "-c", "echo hello; sleep 1; echo bye").trim();
    assertThat(job).matches("j\\d+");

    Gridctl.Result wait = gridctl.run("wait", job);

    assertThat(wait.exitCode()).as(wait.toString()).isZero();
    assertThat(gridctl.ok("logs", job)).isEqualTo("hello\nbye\n");
    assertThat(gridctl.ok("ps")).containsPattern(job + "\\s+EXITED");
  }

  @Test
  @Order(3)
  void waitHandsBackTheExitCodeAndStderrIsKeptApart() {
    String job = gridctl.ok("run", "--", "sh", "-c", "echo oops >&2; exit 42").trim();

    assertThat(gridctl.run("wait", job).exitCode()).isEqualTo(42);
    assertThat(gridctl.ok("logs", "--stderr", job)).isEqualTo("oops\n");
    assertThat(gridctl.ok("logs", job)).isEmpty();
  }

  @Test
  @Order(4)
  void aJobsFilesLiveInItsNodesPrivateStateDirectory() throws IOException {
    String job =
        gridctl
            .ok("run", "--node", "c2-n1", "--", "sh", "-c", "echo data > result.txt; pwd")
            .trim();
    assertThat(gridctl.run("wait", job).exitCode()).isZero();

    Path onHost = gridctl.stateDir().resolve("nodes/c2-n1/jobs/" + job + "/work/result.txt");
    assertThat(onHost).hasContent("data");
    String cwd = gridctl.ok("logs", job).trim();
    if (ROOT) {
      // Inside its sandbox the node sees its own directory at the shared node path.
      assertThat(cwd).isEqualTo("/var/lib/roam/node/jobs/" + job + "/work");
      assertThat(Path.of(cwd, "result.txt")).doesNotExist();
    }
  }

  @Test
  @Order(5)
  void followStreamsOutputAndKillEndsTheJob() throws Exception {
    String job = gridctl.ok("run", "--", "sh", "-c", "echo started; sleep 1000").trim();
    Gridctl.Result follow = null;
    Thread killer =
        new Thread(
            () -> {
              try {
                Thread.sleep(Gridctl.scaled(Duration.ofSeconds(2)).toMillis());
              } catch (InterruptedException e) {
                return;
              }
              gridctl.ok("kill", job);
            });
    killer.start();
    follow = gridctl.run(Duration.ofSeconds(60), "logs", "--follow", job);
    killer.join();

    assertThat(follow.exitCode()).isZero();
    assertThat(follow.out()).isEqualTo("started\n");
    Gridctl.Result wait = gridctl.run("wait", job);
    assertThat(wait.exitCode()).isEqualTo(137);
    assertThat(wait.err()).contains("was killed");
    JsonNode record = Json.mapper().readTree(gridctl.ok("ps", "--json", "--state", "killed"));
    assertThat(record.get("items").findValuesAsText("id")).contains(job);
  }

  @Test
  @Order(6)
  void badInputGetsAOneLineErrorAndANonZeroExit() {
    assertOneLineError(gridctl.run("logs", "j999999"), "unknown job 'j999999'");
    assertOneLineError(gridctl.run("wait", "not-a-job"), "job id 'not-a-job' is not valid");
    assertOneLineError(gridctl.run("run", "--node", "c9-n9", "--", "true"), "unknown node 'c9-n9'");
    assertOneLineError(
        gridctl.run("run", "--", "no-such-program-anywhere"),
        "command 'no-such-program-anywhere' not found");
    assertOneLineError(
        gridctl.run("up", "--port", Integer.toString(port)), "a local grid is already running");
    assertOneLineError(gridctl.run("kill", "j1"), "has already ended");
    assertOneLineError(gridctl.run("node", "list", "--cluster", "c7"), "unknown cluster 'c7'");
  }

  private static void assertOneLineError(Gridctl.Result r, String expected) {
    assertThat(r.exitCode()).as(r.toString()).isNotZero();
    assertThat(r.err().lines().toList()).as(r.toString()).hasSize(1);
    assertThat(r.err()).startsWith("gridctl: ").contains(expected);
  }

  @Test
  @Order(7)
  void aSecondGridOnAPortInUseIsRefusedAndLeavesNothingRunning() {
    Gridctl other = new Gridctl(temp.resolve("other"));

    Gridctl.Result up = other.run(Duration.ofSeconds(120), "up", "--port", Integer.toString(port));

    assertOneLineError(up, "port " + port + " on 127.0.0.1 is in use");
    assertOneLineError(other.run("status"), "no grid is running");
    assertThat(other.run("down").exitCode()).isEqualTo(1);
  }

  @Test
  @Order(100)
  void downStopsTheManagerItsNodesAndTheirJobs() {
    gridctl.ok("run", "--node", "c1-n2", "--", "sleep", "1000");
    gridctl.ok("run", "--", "sh", "-c", "sleep 1000 & sleep 1000");
    ProcessHandle manager = ProcessHandle.of(managerPid).orElseThrow();
    List<ProcessHandle> grid = new ArrayList<>(manager.descendants().toList());
    grid.add(manager);
    assertThat(grid.size()).as("manager, 4 agents and job processes").isGreaterThan(8);

    assertThat(gridctl.ok("down")).contains("stopped");

    assertThat(grid).noneMatch(ProcessHandle::isAlive);
    assertThat(gridctl.stateDir().resolve("grid.json")).doesNotExist();
    assertOneLineError(gridctl.run("ps"), "no grid is running");
    gridctl = null;
  }

  static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file);
  }
}
