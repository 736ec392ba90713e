package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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

  private Map<String, JsonNode> running() throws IOException {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode j :
        Json.mapper().readTree(gridctl.ok("ps", "--json", "--state", "running")).get("items")) {
      out.put(j.get("id").asText(), j);
    }
    return out;
  }

  @Test
  void aBurstOfBusyJobsOnOneNodeSpreadsOutAndStays() throws Exception {
    if (!Boolean.getBoolean("roam.requireCriu")) {
      assumeTrue("root".equals(System.getProperty("user.name")), "migration needs root");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    gridctl = new Gridctl(temp.resolve("grid"));
    Gridctl.Result up =
        gridctl.run(Duration.ofSeconds(240), "up", "--balance", "--port", Integer.toString(port));
    assertThat(up.exitCode()).as(up.toString()).isZero();
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      jobs.add(
          gridctl.ok("run", "--node", "c1-n1", "--", "sh", "-c", "while :; do :; done").trim());
    }

    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(120)))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> nodesOf(running()).size() == 4);
    Map<String, JsonNode> spread = running();
    // Once spread, nobody moves again for a while: no ping-pong.
    Thread.sleep(Gridctl.scaled(Duration.ofSeconds(10)).toMillis());
    Map<String, JsonNode> later = running();

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
