package io.roam.manager.api;

import static io.roam.manager.api.ApiFixture.ADMIN;
import static io.roam.manager.api.ApiFixture.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.ClusterId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens, roles and ownership through the real API: every refusal is a 401 or 403 problem with a
 * reason, and leaves the store as it was.
 */
class AuthIT {
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
    alice = grid.createToken("{\"name\":\"alice\",\"role\":\"owner\"}");
    bob = grid.createToken("{\"name\":\"bob\",\"role\":\"owner\"}");
  }

  @AfterEach
  void stop() throws Exception {
    grid.close();
  }

  private JobRecord run(String token, String node, String... command) throws Exception {
    String body =
        Json.encodeString(java.util.Map.of("command", java.util.List.of(command), "node", node));
    HttpResponse<String> r = grid.call("POST", ApiPaths.JOBS, body, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.decode(r.body(), JobRecord.class);
  }

  @Test
  void tokensAreStoredOnlyAsHashesAndTheSecretIsShownOnce() throws Exception {
    HttpResponse<String> list = grid.call("GET", RestApi.TOKENS, null, ADMIN);

    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("\"alice\"", "\"bob\"", "\"admin\"");
    assertThat(list.body()).doesNotContain(alice, "sha256", "\"token\"");
    byte[] stored =
        grid.store.client().getData().forPath(new io.roam.common.zk.ZkLayout("t").token("alice"));
    assertThat(new String(stored, java.nio.charset.StandardCharsets.UTF_8))
        .doesNotContain(alice)
        .contains(io.roam.web.BearerAuth.sha256(alice));
  }

  @Test
  void onlyAnAdminManagesTokensAndARevokedTokenStopsWorking() throws Exception {
    assertProblem(grid.call("GET", RestApi.TOKENS, null, alice), 403, "only a grid admin");
    assertProblem(
        grid.call("POST", RestApi.TOKENS, "{\"name\":\"eve\",\"role\":\"admin\"}", alice),
        403,
        "only a grid admin may create tokens");
    assertProblem(grid.call("DELETE", RestApi.TOKENS + "/bob", null, alice), 403, "only a grid");
    assertThat(grid.manager.view().token("eve")).isEmpty();
    assertThat(grid.call("GET", ApiPaths.STATUS, null, bob).statusCode()).isEqualTo(200);

    assertThat(grid.call("DELETE", RestApi.TOKENS + "/bob", null, ADMIN).statusCode())
        .isEqualTo(204);

    assertProblem(grid.call("GET", ApiPaths.STATUS, null, bob), 401, "unknown or revoked token");
    assertProblem(grid.call("DELETE", RestApi.TOKENS + "/bob", null, ADMIN), 404, "no token");
    assertProblem(
        grid.call("DELETE", RestApi.TOKENS + "/admin", null, ADMIN), 409, "making this request");
    assertThat(grid.call("GET", ApiPaths.STATUS, null, ADMIN).statusCode()).isEqualTo(200);
    assertProblem(
        grid.call("POST", RestApi.TOKENS, "{\"name\":\"alice\",\"role\":\"owner\"}", ADMIN),
        409,
        "exists already");
  }

  @Test
  void anOwnerTokenCanBeLimitedToClustersThePrincipalOwns() throws Exception {
    assertProblem(
        grid.call(
            "POST",
            RestApi.TOKENS,
            "{\"name\":\"a2\",\"role\":\"owner\",\"principal\":\"alice\",\"clusters\":[\"cb\"]}",
            ADMIN),
        422,
        "cb is owned by 'bob', not 'alice'");
    String limited =
        grid.createToken(
            "{\"name\":\"a2\",\"role\":\"owner\",\"principal\":\"alice\",\"clusters\":[\"ca\"]}");
    assertThat(
            grid.call("PUT", ApiPaths.CLUSTERS + "/ca/policy", policy(false, 0), limited)
                .statusCode())
        .isEqualTo(200);
    assertProblem(
        grid.call("POST", ApiPaths.CLUSTERS, "{\"id\":\"cz\"}", limited),
        403,
        "is limited to clusters [ca]");
    assertThat(grid.manager.view().cluster(ClusterId.of("cz"))).isEmpty();
  }

  private static String policy(boolean accept, int max) {
    return "{\"acceptGuests\":" + accept + ",\"maxGuests\":" + max + ",\"partners\":[]}";
  }

  @Test
  void anOwnerChangesOnlyTheirOwnClusters() throws Exception {
    HttpResponse<String> mine =
        grid.call("PUT", ApiPaths.CLUSTERS + "/ca/policy", policy(true, 3), alice);
    assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
    assertThat(mine.body()).contains("\"maxGuests\":3");

    HttpResponse<String> theirs =
        grid.call("PUT", ApiPaths.CLUSTERS + "/cb/policy", policy(false, 0), alice);

    assertProblem(theirs, 403, "cluster cb is owned by 'bob', not by 'alice'");
    assertThat(grid.manager.view().policy(ClusterId.of("cb")).version()).isEqualTo(-1);
    assertThat(
            grid.call("PUT", ApiPaths.CLUSTERS + "/cb/policy", policy(false, 0), ADMIN)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void anOwnerCreatesClustersOnlyForThemself() throws Exception {
    HttpResponse<String> forBob =
        grid.call("POST", ApiPaths.CLUSTERS, "{\"id\":\"cx\",\"owner\":\"bob\"}", alice);
    assertProblem(forBob, 403, "only for themself");
    assertThat(grid.manager.view().cluster(ClusterId.of("cx"))).isEmpty();

    HttpResponse<String> forSelf = grid.call("POST", ApiPaths.CLUSTERS, "{\"id\":\"cx\"}", alice);

    assertThat(forSelf.statusCode()).as(forSelf.body()).isEqualTo(201);
    JsonNode c = Json.mapper().readTree(forSelf.body());
    assertThat(c.get("owner").asText()).isEqualTo("alice");
    assertThat(c.get("state").asText()).isEqualTo("ATTACHED");
    assertProblem(
        grid.call("POST", ApiPaths.CLUSTERS, "{\"id\":\"cx\"}", alice), 409, "exists already");
  }

  @Test
  void jobsRecordTheirOwnerAndOnlyTheOwnerOrAnAdminKillsThem() throws Exception {
    JobRecord alices = run(alice, "ca-n1", "sleep", "60");
    JobRecord bobs = run(bob, "cb-n1", "sleep", "60");
    assertThat(alices.owner()).isEqualTo("alice");

    HttpResponse<String> refused =
        grid.call("POST", ApiPaths.jobKill(bobs.id().value()), null, alice);

    assertProblem(refused, 403, "belongs to another owner");
    assertThat(grid.store.job(bobs.id()).orElseThrow().value().state()).isEqualTo(JobState.RUNNING);
    HttpResponse<String> own =
        grid.call("POST", ApiPaths.jobKill(alices.id().value()), null, alice);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(202);
    assertThat(grid.store.job(alices.id()).orElseThrow().value().state())
        .isEqualTo(JobState.KILLED);
    assertThat(grid.call("POST", ApiPaths.jobKill(bobs.id().value()), null, ADMIN).statusCode())
        .isEqualTo(202);
  }

  @Test
  void anOwnerSeesGuestsOnTheirNodesWithoutTheirCommandLine() throws Exception {
    JobRecord guest = run(bob, "ca-n1", "secret-program", "--password=hunter2");
    JobRecord elsewhere = run(bob, "cb-n1", "sleep", "60");

    HttpResponse<String> list = grid.call("GET", ApiPaths.JOBS, null, alice);
    HttpResponse<String> one = grid.call("GET", ApiPaths.job(guest.id().value()), null, alice);

    assertThat(list.body()).contains("\"" + guest.id() + "\"", "\"homeCluster\":\"ca\"");
    assertThat(list.body()).doesNotContain("hunter2", "secret-program", elsewhere.id() + "\"");
    assertThat(list.body()).contains("\"total\":1");
    assertThat(one.body()).contains(JobRecord.HIDDEN_COMMAND).doesNotContain("hunter2");
    assertProblem(
        grid.call("GET", ApiPaths.jobLogs(guest.id().value()), null, alice), 403, "its owner's");
    assertProblem(
        grid.call("POST", ApiPaths.jobCheckpoint(guest.id().value()), null, alice),
        403,
        "only its owner or a grid admin may checkpoint it");
    assertProblem(
        grid.call("GET", ApiPaths.job(elsewhere.id().value()), null, alice),
        403,
        "belongs to another owner");
    assertThat(grid.call("GET", ApiPaths.job(guest.id().value()), null, bob).body())
        .contains("hunter2");
  }

  @Test
  void theBootstrapAdminTokenIsReplacedAtTheNextStartAndOtherTokensSurvive() throws Exception {
    grid.manager.close();
    String next = "the-next-admin-token-0123456789";
    try (io.roam.manager.Manager again =
        new io.roam.manager.Manager(
                new io.roam.manager.Manager.Settings(
                    "t",
                    grid.zk.getConnectString(),
                    0,
                    state,
                    "127.0.0.1",
                    0,
                    java.util.Set.of(io.roam.web.BearerAuth.sha256(next)),
                    ApiFixture.SECRET,
                    Duration.ofSeconds(5)))
            .start()) {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      java.util.function.Function<String, Integer> status =
          token -> {
            try {
              return http.send(
                      java.net.http.HttpRequest.newBuilder(
                              java.net.URI.create(again.url() + ApiPaths.STATUS))
                          .header("Authorization", "Bearer " + token)
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          };
      assertThat(status.apply(ADMIN)).isEqualTo(401);
      assertThat(status.apply(next)).isEqualTo(200);
      assertThat(status.apply(alice)).isEqualTo(200);
    }
  }
}
