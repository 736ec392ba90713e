package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint and restart with real CRIU on the local grid: a counter runs away from home, is
 * checkpointed (the image goes home), then the node it runs on dies with every process on it. After
 * the node loss grace the counter runs again on its home node, its output going on from the
 * checkpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeLossRestartIT {
  @TempDir static Path temp;
  private Gridctl gridctl;

  @BeforeAll
  void up() throws IOException {
    Gridctl.assumeMigration();
    gridctl = Gridctl.up(temp.resolve("grid"));
  }

  @AfterAll
  void down() {
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  /** The output so far: the counter's lines, each checked to follow the one before. */
  private int consecutiveLines(String job) {
    List<String> lines = gridctl.ok("logs", job).lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).as("line %d of %s", i, lines).isEqualTo(Integer.toString(i));
    }
    return lines.size();
  }

  @Test
  void aCheckpointedCounterWhoseNodeDiesGoesOnAtHomeFromItsCheckpoint() throws Exception {
    String job =
        gridctl
            .ok(
                "run",
                "--node",
                "c1-n1",
                "--",
                "sh",
                "-c",
                "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done")
            .trim();
    Gridctl.pause(500);
    Gridctl.Result moved = gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", job, "c2-n1");
    assertThat(moved.exitCode()).as(moved.toString()).isZero();
    Gridctl.pause(4000);

    int beforeCheckpoint = consecutiveLines(job);
    long asked = System.nanoTime();
    Gridctl.Result cp = gridctl.run(Duration.ofSeconds(120), "checkpoint", "--wait", "--json", job);
    long checkpointMillis = (System.nanoTime() - asked) / 1_000_000;
    assertThat(cp.exitCode()).as(cp.toString()).isZero();
    JsonNode checkpoint = Json.mapper().readTree(cp.out()).get("checkpoint");
    assertThat(checkpoint.get("keptOn").asText()).isEqualTo("c1-n1");
    assertThat(checkpoint.get("bytes").asLong()).isPositive();
    int afterCheckpoint = consecutiveLines(job);
    assertThat(Files.isSymbolicLink(nodeFile("c1-n1", "checkpoints/" + job + "/current"))).isTrue();
    Gridctl.pause(3000);
    int beforeLoss = consecutiveLines(job);
    assertThat(beforeLoss).isGreaterThan(afterCheckpoint + 5);

    killNode("c2-n1");
    long killed = System.nanoTime();

    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(150)))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                gridctl.job(job).get("state").asText().equals("RUNNING")
                    && gridctl.job(job).get("node").asText().equals("c1-n1"));
    long restartMillis = (System.nanoTime() - killed) / 1_000_000;
    int restarted = consecutiveLines(job);
    JsonNode record = gridctl.job(job);
    System.out.printf(
        "checkpoint --wait (gridctl start to answer): %d ms, job frozen %d ms, %d bytes kept;"
            + " node killed to job running again at home: %d ms (session timeout 10 s + grace"
            + " 30 s + polling)%n",
        checkpointMillis,
        checkpoint.get("frozenMillis").asLong(),
        checkpoint.get("bytes").asLong(),
        restartMillis);
    assertThat(record.get("reason").asText())
        .isEqualTo(
            "restarted from the checkpoint of "
                + checkpoint.get("takenAt").asText()
                + " after node c2-n1 was lost");
    // Its output is the checkpoint's, going on: nothing before it is lost, nothing repeats. (A
    // counter started afresh would have printed far fewer lines by now.)
    assertThat(restarted).isGreaterThanOrEqualTo(beforeCheckpoint);
    Gridctl.pause(1500);
    assertThat(consecutiveLines(job)).isGreaterThan(restarted + 5);

    gridctl.ok("kill", job);
    gridctl.run("wait", job);
    assertThat(gridctl.job(job).get("state").asText()).isEqualTo("KILLED");
  }

  @Test
  void aJobCheckpointedPeriodicallyIsCheckpointedAtHomeThenByTheNodeItMovedTo() throws Exception {
    Gridctl.Result tooOften = gridctl.run("run", "--checkpoint-every", "2s", "--", "sleep", "1");
    assertThat(tooOften.exitCode()).isEqualTo(1);
    assertThat(tooOften.err()).contains("between 5 and 604800");

    String job =
        gridctl
            .ok(
                "run",
                "--node",
                "c1-n2",
                "--checkpoint-every",
                "5s",
                "--",
                "sh",
                "-c",
                "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done")
            .trim();
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(60)))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> gridctl.job(job).has("checkpoint"));
    JsonNode first = gridctl.job(job).get("checkpoint");
    assertThat(first.get("keptOn").asText()).isEqualTo("c1-n2");
    Gridctl.Result moved = gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", job, "c2-n2");
    assertThat(moved.exitCode()).as(moved.toString()).isZero();

    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(60)))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                gridctl.job(job).get("node").asText().equals("c2-n2")
                    && java.time.Instant.parse(
                            gridctl.job(job).get("checkpoint").get("takenAt").asText())
                        .isAfter(
                            java.time.Instant.parse(first.get("takenAt").asText()).plusSeconds(4)));
    // Taken on c2-n2, sent home and kept there.
    assertThat(gridctl.job(job).get("checkpoint").get("keptOn").asText()).isEqualTo("c1-n2");
    assertThat(gridctl.job(job).get("checkpointEverySeconds").asInt()).isEqualTo(5);
    consecutiveLines(job);
    gridctl.ok("kill", job);
    gridctl.run("wait", job);
  }

  private Path nodeFile(String node, String rel) {
    return gridctl.stateDir().resolve("nodes").resolve(node).resolve(rel);
  }

  /** The node's agent and every process under it (its jobs) die at once, as with its machine. */
  private void killNode(String node) throws IOException {
    String marker = gridctl.stateDir().toString();
    List<ProcessHandle> agents = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        if (!p.getFileName().toString().matches("[0-9]+")) {
          continue;
        }
        String cmd;
        try {
          cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue;
        }
        List<String> args = List.of(cmd.split("\0"));
        int at = args.indexOf("--node-id");
        if (args.get(0).endsWith("java")
            && at >= 0
            && at + 1 < args.size()
            && args.get(at + 1).equals(node)
            && cmd.contains(marker)) {
          ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(agents::add);
        }
      }
    }
    assertThat(agents).as("agent of %s", node).hasSize(1);
    ProcessHandle agent = agents.get(0);
    List<ProcessHandle> tree = new ArrayList<>(agent.descendants().toList());
    agent.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
  }
}
