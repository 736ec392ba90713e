package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live migration on the local grid with real CRIU: real, unmodified programs move between sandboxed
 * nodes (separate state directories) and go on as if nothing happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrationIT {
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

  private String run(String node, String... command) {
    String[] args = new String[command.length + 4];
    args[0] = "run";
    args[1] = "--node";
    args[2] = node;
    args[3] = "--";
    System.arraycopy(command, 0, args, 4, command.length);
    return gridctl.ok(args).trim();
  }

  private JsonNode migrate(String job, String target) throws IOException {
    Gridctl.Result r =
        gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", "--json", job, target);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return Json.mapper().readTree(r.out());
  }

  /** Every line is the previous one plus one, from 0: no gap, no repeat. */
  private static void assertCounts(String output, int atLeast) {
    List<String> lines = output.lines().toList();
    assertThat(lines.size()).isGreaterThanOrEqualTo(atLeast);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).as("line %d", i).isEqualTo(Integer.toString(i));
    }
  }

  @Test
  void aCounterVisitsEveryNodeAndComesHomeWithoutAGapOrARepeat() throws Exception {
    String job = run("c1-n1", "sh", "-c", Gridctl.COUNTER);
    Gridctl.pause(500);
    for (String target : List.of("c1-n2", "c2-n1", "c2-n2", "home")) {
      JsonNode outcome = migrate(job, target);
      assertThat(outcome.get("succeeded").asBoolean()).isTrue();
      assertThat(outcome.get("bytes").asLong()).isPositive();
      Gridctl.pause(300);
    }
    JsonNode record = gridctl.job(job);
    assertThat(record.get("node").asText()).isEqualTo("c1-n1");
    assertThat(record.get("migrations").asInt()).isEqualTo(4);
    assertThat(record.get("state").asText()).isEqualTo("RUNNING");
    gridctl.ok("kill", job);
    gridctl.run("wait", job);
    assertCounts(gridctl.ok("logs", job), 20);
  }

  @Test
  void aTreeWithAPipeAChildAndAnOpenFileMovesWhole() throws Exception {
    // A producer and a consumer joined by a pipe, the consumer holding a file open on fd 3.
    String job =
        run(
            "c2-n1",
            "sh",
            "-c",
            "exec 3>copy.txt; (i=0; while true; do echo $i; i=$((i+1)); sleep 0.05; done)"
                + " | while read l; do echo \"$l\"; echo \"$l\" >&3; done");
    Gridctl.pause(500);
    migrate(job, "c1-n2");
    Gridctl.pause(500);
    migrate(job, "c2-n2");
    Gridctl.pause(500);
    gridctl.ok("kill", job);
    gridctl.run("wait", job);

    assertCounts(gridctl.ok("logs", job), 20);
    // It ended away from its home (c2-n1): its files, copy.txt with them, go home.
    org.awaitility.Awaitility.await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(30)))
        .until(() -> gridctl.job(job).has("returnedHome"));
    Path copy = gridctl.stateDir().resolve("nodes/c2-n1/jobs/" + job + "/work/copy.txt");
    assertCounts(java.nio.file.Files.readString(copy), 20);
  }

  @Test
  void aMultiThreadedProgramMovesAndItsThreadsGoOn() throws Exception {
    String program =
        "import threading, time, sys\n"
            + "n = [0, 0, 0, 0]\n"
            + "def work(k):\n"
            + "    while True:\n"
            + "        n[k] += 1\n"
            + "        time.sleep(0.01)\n"
            + "for k in range(4):\n"
            + "    threading.Thread(target=work, args=(k,), daemon=True).start()\n"
            + "while True:\n"
            + "    print(threading.active_count(), *n, flush=True)\n"
            + "    time.sleep(0.2)\n";
    String job = run("c1-n1", "python3", "-c", program);
    Gridctl.pause(1000);
    migrate(job, "c2-n2");
    Gridctl.pause(1500);
    String[] before = lastLine(gridctl.ok("logs", job));
    Gridctl.pause(1000);
    String[] after = lastLine(gridctl.ok("logs", job));
    gridctl.ok("kill", job);

    assertThat(after[0]).as("threads alive").isEqualTo("5");
    for (int k = 1; k <= 4; k++) {
      assertThat(Long.parseLong(after[k]))
          .as("thread %d counts on", k)
          .isGreaterThan(Long.parseLong(before[k]));
    }
  }

  private static String[] lastLine(String out) {
    List<String> lines = out.lines().toList();
    return lines.get(lines.size() - 1).trim().split("\\s+");
  }

  @Test
  void aJobThatCannotMigrateIsRefusedWithTheReasonAndRunsOnUntouched() throws Exception {
    String job =
        run(
            "c1-n2",
            "python3",
            "-c",
            "import socket, time\n"
                + "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
                + "i = 0\n"
                + "while True:\n"
                + "    print(i, flush=True); i += 1; time.sleep(0.05)\n");
    Gridctl.pause(500);

    Gridctl.Result refused =
        gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", job, "c2-n1");

    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("stays on c1-n2", "network socket");
    JsonNode record = gridctl.job(job);
    assertThat(record.get("node").asText()).isEqualTo("c1-n2");
    assertThat(record.get("state").asText()).isEqualTo("RUNNING");
    assertThat(record.get("migrations").asInt()).isZero();
    String before = gridctl.ok("logs", job);
    Gridctl.pause(500);
    gridctl.ok("kill", job);
    gridctl.run("wait", job);
    String after = gridctl.ok("logs", job);
    assertThat(after.length()).isGreaterThan(before.length());
    assertCounts(after, 10);
  }

  @Test
  void aJobThatEndsAwayFromHomeReportsItsExitCode() throws Exception {
    String job = run("c2-n2", "sh", "-c", "sleep 6; echo done; exit 9");
    Gridctl.pause(300);
    migrate(job, "c1-n1");

    Gridctl.Result wait = gridctl.run(Duration.ofSeconds(60), "wait", job);

    assertThat(wait.exitCode()).isEqualTo(9);
    assertThat(gridctl.ok("logs", job)).isEqualTo("done\n");
    assertThat(gridctl.job(job).get("node").asText()).isEqualTo("c1-n1");
    // Its files go home (c2-n2); the copy where it ended goes once the record says so.
    org.awaitility.Awaitility.await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(30)))
        .until(() -> gridctl.job(job).has("returnedHome"));
    Path nodes = gridctl.stateDir().resolve("nodes");
    assertThat(nodes.resolve("c2-n2/jobs/" + job + "/stdout")).hasContent("done");
    org.awaitility.Awaitility.await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(10)))
        .until(() -> !java.nio.file.Files.exists(nodes.resolve("c1-n1/jobs/" + job)));
    assertThat(gridctl.ok("logs", job)).isEqualTo("done\n");
  }

  @Test
  void detachingAClusterBringsEveryGuestHomeAndItsOwnJobsBackKillingNone() throws Exception {
    String counter = Gridctl.COUNTER;
    String guest1 = run("c1-n1", "sh", "-c", counter);
    String guest2 = run("c1-n2", "sh", "-c", counter);
    String own = run("c2-n2", "sh", "-c", counter);
    Gridctl.pause(300);
    migrate(guest1, "c2-n1");
    migrate(guest2, "c2-n2");
    migrate(own, "c1-n1");

    // One at a time: each move starts when the one before ends.
    Gridctl.Result detach =
        gridctl.run(
            Duration.ofSeconds(180), "cluster", "detach", "c2", "--wait", "--parallel", "1");

    assertThat(detach.exitCode()).as(detach.toString()).isZero();
    assertThat(detach.out()).contains("cluster c2 is detached");
    assertThat(detach.err()).contains("(1 at once)").doesNotContain("2 moving");
    assertThat(gridctl.job(guest1).get("node").asText()).isEqualTo("c1-n1");
    assertThat(gridctl.job(guest2).get("node").asText()).isEqualTo("c1-n2");
    assertThat(gridctl.job(own).get("node").asText()).isEqualTo("c2-n2");
    assertThat(gridctl.ok("cluster", "list")).containsPattern("c2\\s+local\\s+DETACHED");
    // A detached cluster takes no guests.
    assertThat(gridctl.run("migrate", "--wait", guest1, "c2-n1").err()).contains("takes no guests");
    assertThat(gridctl.run("cluster", "attach", "c2", "--wait").exitCode()).isZero();
    for (String j : List.of(guest1, guest2, own)) {
      assertThat(gridctl.job(j).get("state").asText()).isEqualTo("RUNNING");
      gridctl.ok("kill", j);
      gridctl.run("wait", j);
      assertCounts(gridctl.ok("logs", j), 10);
    }
  }

  @Test
  void badMigrationRequestsAreRefusedClearly() {
    String job = run("c1-n1", "sleep", "100");
    assertThat(gridctl.run("migrate", job, "c9-n9").err()).contains("unknown node 'c9-n9'");
    assertThat(gridctl.run("migrate", job, "c1-n1").err()).contains("already runs on c1-n1");
    assertThat(gridctl.run("migrate", job, "home").err()).contains("already runs on c1-n1");
    assertThat(gridctl.run("migrate", "j999999", "c1-n2").err()).contains("unknown job");
    gridctl.ok("kill", job);
    gridctl.run("wait", job);
    assertThat(gridctl.run("migrate", job, "c1-n2").err()).contains("only running jobs move");
  }
}
