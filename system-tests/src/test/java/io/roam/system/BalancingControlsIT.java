package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owners' say in automatic balancing, with real agents balancing by themselves: a node flagged
 * stay keeps its jobs, a locked job never moves, and a blocked node receives no guest.
 */
class BalancingControlsIT {
  @TempDir Path temp;
  private Gridctl gridctl;

  @AfterEach
  void down() {
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  private String busy(boolean lock) {
    return (lock
            ? gridctl.ok(
                "run", "--lock", "--node", "c1-n1", "--", "sh", "-c", "while :; do :; done")
            : gridctl.ok("run", "--node", "c1-n1", "--", "sh", "-c", "while :; do :; done"))
        .trim();
  }

  @Test
  void stayLockAndBlockHoldAgainstTheBalancers() throws Exception {
    Gridctl.assumeMigration();
    gridctl = Gridctl.up(temp.resolve("grid"), "--balance");
    gridctl.ok("node", "stay", "c1-n1");
    gridctl.ok("node", "block", "c2-n2");
    List<String> locked = List.of(busy(true), busy(true));
    List<String> free = List.of(busy(false), busy(false));

    // Stay: the crowded node keeps everything, however long it waits.
    Thread.sleep(Gridctl.scaled(Duration.ofSeconds(12)).toMillis());
    for (JsonNode j : gridctl.running().values()) {
      assertThat(j.get("node").asText()).as("job %s", j.get("id")).isEqualTo("c1-n1");
    }

    // Without stay, the unlocked jobs leave; the locked stay; none goes to the blocked node.
    gridctl.ok("node", "nostay", "c1-n1");
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(120)))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () -> {
              Map<String, JsonNode> now = gridctl.running();
              return free.stream().noneMatch(j -> now.get(j).get("node").asText().equals("c1-n1"));
            });
    Thread.sleep(Gridctl.scaled(Duration.ofSeconds(6)).toMillis());
    Map<String, JsonNode> after = gridctl.running();
    for (String j : locked) {
      assertThat(after.get(j).get("node").asText()).as("locked %s", j).isEqualTo("c1-n1");
      assertThat(after.get(j).get("migrations").asInt()).as("locked %s", j).isZero();
    }
    for (JsonNode j : after.values()) {
      assertThat(j.get("node").asText()).as("job %s", j.get("id")).isNotEqualTo("c2-n2");
    }
    for (String j : after.keySet()) {
      gridctl.ok("kill", j);
    }
  }
}
