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
 * The per-job and per-node controls on the local grid with real CRIU: a locked guest on a blocked
 * node is expelled home by real migration and counts on without a gap.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpelIT {
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

  @Test
  void aLockedGuestOnABlockedNodeIsExpelledHomeAndCountsOn() throws Exception {
    String job =
        gridctl.ok("run", "--lock", "--node", "c1-n1", "--", "sh", "-c", Gridctl.COUNTER).trim();
    String other = gridctl.ok("run", "--node", "c1-n2", "--", "sh", "-c", Gridctl.COUNTER).trim();
    Gridctl.pause(500);
    Gridctl.Result moved = gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", job, "c2-n1");
    assertThat(moved.exitCode()).as(moved.toString()).isZero();
    assertThat(gridctl.job(job).get("locked").asBoolean()).isTrue();
    assertThat(gridctl.ok("ps")).contains("locked");

    gridctl.ok("node", "block", "c2-n1");
    Gridctl.Result refused =
        gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", other, "c2-n1");
    assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
    assertThat(refused.err()).contains("c2-n1 is blocked");
    assertThat(gridctl.job(other).get("node").asText()).isEqualTo("c1-n2");

    Gridctl.Result expel =
        gridctl.run(Duration.ofSeconds(180), "node", "expel", "c2-n1", "--wait", "--json");
    assertThat(expel.exitCode()).as(expel.toString()).isZero();
    JsonNode op = Json.mapper().readTree(expel.out());
    assertThat(op.get("state").asText()).isEqualTo("DONE");
    JsonNode record = gridctl.job(job);
    assertThat(record.get("node").asText()).isEqualTo("c1-n1");
    assertThat(record.get("state").asText()).isEqualTo("RUNNING");
    assertThat(record.get("locked").asBoolean()).isTrue();
    assertThat(gridctl.ok("node", "list")).containsPattern("c2-n1 .* block");

    Gridctl.pause(300);
    gridctl.ok("kill", job);
    gridctl.ok("kill", other);
    gridctl.run("wait", job);
    List<String> lines = gridctl.ok("logs", job).lines().toList();
    assertThat(lines.size()).isGreaterThanOrEqualTo(20);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).as("line %d", i).isEqualTo(Integer.toString(i));
    }
  }
}
