package io.roam.manager.api;

import static io.roam.manager.api.ApiFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.common.api.ApiPaths;
import io.roam.common.id.JobId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-job and per-node controls through the real API over a real ZooKeeper, with scripted
 * agents (a migration completes by updating the job's record as the real target would).
 */
class NodeControlIT {
  @TempDir Path state;
  private ApiFixture grid;
  private String alice;
  private String bob;

  @BeforeEach
  void start() throws Exception {
    grid = new ApiFixture(state);
    grid.clusterWithNode("ca", "alice");
    grid.clusterWithNode("cb", "bob");
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 2);
    alice = createToken("{\"name\":\"alice\",\"role\":\"owner\"}");
    bob = createToken("{\"name\":\"bob\",\"role\":\"owner\"}");
  }

  @AfterEach
  void stop() throws Exception {
    grid.close();
  }

  private String createToken(String body) throws Exception {
    HttpResponse<String> r = grid.call("POST", RestApi.TOKENS, body, ADMIN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.mapper().readTree(r.body()).get("token").asText();
  }

  private static void assertProblem(HttpResponse<String> r, int status, String reason) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(r.body()).contains(reason);
  }

  private JobRecord run(String token, String node, boolean locked) throws Exception {
    String body =
        Json.encodeString(
            Map.of("command", List.of("sleep", "600"), "node", node, "locked", locked));
    HttpResponse<String> r = grid.call("POST", ApiPaths.JOBS, body, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.decode(r.body(), JobRecord.class);
  }

  private JobRecord stored(JobId id) {
    return grid.store.job(id).orElseThrow().value();
  }

  @Test
  void anOwnerLocksAndUnlocksTheirJobAndNoOneElseMay() throws Exception {
    JobRecord job = run(alice, "ca-n1", true);
    assertThat(job.locked()).isTrue();
    assertThat(stored(job.id()).locked()).isTrue();
    String id = job.id().value();

    assertProblem(grid.call("POST", ApiPaths.jobUnlock(id), null, bob), 403, "is not yours");
    assertThat(stored(job.id()).locked()).isTrue();

    HttpResponse<String> unlocked = grid.call("POST", ApiPaths.jobUnlock(id), null, alice);
    assertThat(unlocked.statusCode()).as(unlocked.body()).isEqualTo(200);
    assertThat(Json.decode(unlocked.body(), JobRecord.class).locked()).isFalse();
    assertThat(stored(job.id()).locked()).isFalse();
    assertThat(grid.call("GET", ApiPaths.job(id), null, alice).body()).doesNotContain("locked");

    HttpResponse<String> locked = grid.call("POST", ApiPaths.jobLock(id), null, ADMIN);
    assertThat(locked.statusCode()).as(locked.body()).isEqualTo(200);
    assertThat(grid.call("GET", ApiPaths.job(id), null, alice).body()).contains("\"locked\":true");

    assertProblem(grid.call("POST", ApiPaths.jobLock("j999"), null, alice), 404, "unknown job");
    grid.call("POST", ApiPaths.jobKill(id), null, alice);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored(job.id()).state().terminal());
    assertProblem(grid.call("POST", ApiPaths.jobUnlock(id), null, alice), 409, "already ended");
    assertThat(stored(job.id()).locked()).isTrue();
  }
}
