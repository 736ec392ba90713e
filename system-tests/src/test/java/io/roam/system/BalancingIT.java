package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic load balancing on the local grid: agents gossip their load over UDP and each decides
 * alone, with the real balancer, to move work off a crowded node; the moves are real migrations.
 */
class BalancingIT {
  @TempDir Path temp;
  private Gridctl gridctl;

  @AfterEach
  void down() {
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  @Test
  void aBurstOfBusyJobsOnOneNodeSpreadsOutAndStays() throws Exception {
    Gridctl.assumeMigration();
    gridctl = Gridctl.up(temp.resolve("grid"), "--balance");
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      jobs.add(
          gridctl.ok("run", "--node", "c1-n1", "--", "sh", "-c", "while :; do :; done").trim());
    }

    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(120)))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> nodesOf(gridctl.running()).size() == 4);
    Map<String, JsonNode> spread = gridctl.running();
    // Once spread, nobody moves again for a while: no ping-pong.
    Thread.sleep(Gridctl.scaled(Duration.ofSeconds(10)).toMillis());
    Map<String, JsonNode> later = gridctl.running();

    assertThat(later.keySet()).containsExactlyInAnyOrderElementsOf(jobs);
    for (String j : jobs) {
      assertThat(later.get(j).get("migrations").asInt())
          .as("migrations of %s", j)
          .isEqualTo(spread.get(j).get("migrations").asInt())
          .isLessThanOrEqualTo(3);
    }
    for (String j : jobs) {
      gridctl.ok("kill", j);
    }
  }

  private static Set<String> nodesOf(Map<String, JsonNode> jobs) {
    Set<String> nodes = new HashSet<>();
    jobs.values().forEach(j -> nodes.add(j.get("node").asText()));
    return nodes;
  }
}
