package io.roam.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local work first on the local grid with real CRIU: a guest counter on a node of another cluster
 * is sent home by that node's agent, by a real migration, once the node's own cluster's busy jobs
 * wait for its cores; the counter counts on without a gap and nothing is killed.
 */
class LocalFirstIT {
  @TempDir Path temp;
  private Gridctl gridctl;

  @AfterEach
  void down() {
    if (gridctl != null) {
      gridctl.run("down");
    }
  }

  private int cores(String node) throws IOException {
    for (JsonNode n : Json.mapper().readTree(gridctl.ok("node", "list", "--json"))) {
      if (n.get("id").asText().equals(node)) {
        return n.get("cores").asInt();
      }
    }
    throw new AssertionError("no node " + node);
  }

  @Test
  void aGuestIsSentHomeWhenTheHostClustersOwnJobsNeedTheCores() throws Exception {
    Gridctl.assumeMigration();
    gridctl = Gridctl.up(temp.resolve("grid"));

    String guest = gridctl.ok("run", "--node", "c1-n1", "--", "sh", "-c", Gridctl.COUNTER).trim();
    Thread.sleep(Gridctl.scaled(Duration.ofMillis(500)).toMillis());
    Gridctl.Result moved =
        gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", guest, "c2-n1");
    assertThat(moved.exitCode()).as(moved.toString()).isZero();
    // A guest alone takes nothing from anyone: it stays.
    Thread.sleep(Gridctl.scaled(Duration.ofSeconds(5)).toMillis());
    assertThat(gridctl.job(guest).get("node").asText()).isEqualTo("c2-n1");

    // The host cluster's own busy jobs, as many as the node has cores: they wait for the guest's.
    List<String> local = new ArrayList<>();
    for (int i = 0; i < cores("c2-n1"); i++) {
      local.add(
          gridctl.ok("run", "--node", "c2-n1", "--", "sh", "-c", "while :; do :; done").trim());
    }
    await()
        .atMost(Gridctl.scaled(Duration.ofSeconds(90)))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> gridctl.job(guest).get("node").asText().equals("c1-n1"));

    JsonNode home = gridctl.job(guest);
    assertThat(home.get("state").asText()).isEqualTo("RUNNING");
    assertThat(home.get("migrations").asInt()).isEqualTo(2);
    for (String j : local) {
      JsonNode r = gridctl.job(j);
      assertThat(r.get("state").asText()).as("local job %s", j).isEqualTo("RUNNING");
      assertThat(r.get("node").asText()).as("local job %s", j).isEqualTo("c2-n1");
      assertThat(r.get("migrations").asInt()).as("local job %s", j).isZero();
    }

    // While its own jobs need the cores, the node takes no guests: they would only bounce.
    Gridctl.Result back = gridctl.run(Duration.ofSeconds(120), "migrate", "--wait", guest, "c2-n1");
    assertThat(back.exitCode()).as(back.toString()).isNotZero();
    assertThat(back.err()).contains("local work first");
    assertThat(gridctl.job(guest).get("node").asText()).isEqualTo("c1-n1");

    Thread.sleep(Gridctl.scaled(Duration.ofMillis(500)).toMillis());
    gridctl.ok("kill", guest);
    local.forEach(j -> gridctl.ok("kill", j));
    gridctl.run("wait", guest);
    List<String> lines = gridctl.ok("logs", guest).lines().toList();
    assertThat(lines.size()).isGreaterThanOrEqualTo(20);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).as("line %d", i).isEqualTo(Integer.toString(i));
    }
  }
}
