package io.roam.manager.api;

import static io.roam.manager.api.ApiFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.ClusterId;
import io.roam.common.json.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clusters API and request validation, on a real server over a real ZooKeeper. */
class ClustersIT {
  @TempDir Path state;
  private ApiFixture grid;

  @BeforeEach
  void start() throws Exception {
    grid = new ApiFixture(state);
    grid.clusterWithNode("ca", "alice");
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 1);
  }

  @AfterEach
  void stop() throws Exception {
    grid.close();
  }

  private List<String> errors(HttpResponse<String> r) throws Exception {
    List<String> out = new ArrayList<>();
    JsonNode errors = Json.mapper().readTree(r.body()).get("errors");
    if (errors != null) {
      errors.forEach(e -> out.add(e.asText()));
    }
    return out;
  }

  @Test
  void clustersAreListedWithPolicyNodesAndGuests() throws Exception {
    HttpResponse<String> created =
        grid.call(
            "POST",
            ApiPaths.CLUSTERS,
            "{\"id\":\"cb\",\"owner\":\"bob\",\"policy\":{\"acceptGuests\":true,\"maxGuests\":4,"
                + "\"partners\":[{\"cluster\":\"ca\",\"priority\":90}],\"localFirst\":false}}",
            ADMIN);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    JsonNode list = Json.mapper().readTree(grid.call("GET", ApiPaths.CLUSTERS, null, ADMIN).body());
    JsonNode one =
        Json.mapper().readTree(grid.call("GET", ApiPaths.CLUSTERS + "/cb", null, ADMIN).body());

    assertThat(list).hasSize(2);
    assertThat(list.get(0).get("id").asText()).isEqualTo("ca");
    assertThat(list.get(0).get("nodes").asInt()).isEqualTo(1);
    assertThat(list.get(0).get("policyVersion").asInt()).isEqualTo(-1);
    assertThat(one.get("owner").asText()).isEqualTo("bob");
    assertThat(one.at("/policy/maxGuests").asInt()).isEqualTo(4);
    assertThat(one.at("/policy/partners/0/priority").asInt()).isEqualTo(90);
    assertThat(one.at("/policy/localFirst").asBoolean(true)).isFalse();
    assertThat(list.get(0).at("/policy/localFirst").isMissingNode()).isTrue();
    assertThat(grid.call("GET", ApiPaths.CLUSTERS + "/nope", null, ADMIN).statusCode())
        .isEqualTo(404);
    assertThat(grid.call("GET", ApiPaths.CLUSTERS + "/Bad!", null, ADMIN).statusCode())
        .isEqualTo(400);
  }

  @Test
  void aBadRequestListsEveryViolationAtOnceAndChangesNothing() throws Exception {
    HttpResponse<String> r =
        grid.call(
            "POST",
            ApiPaths.CLUSTERS,
            "{\"id\":\"Bad Id\",\"owner\":\"X\",\"policy\":{\"acceptGuests\":false,"
                + "\"maxGuests\":-1,\"partners\":[{\"cluster\":\"ca\",\"priority\":200,"
                + "\"blocked\":true},{\"cluster\":\"ca\",\"blocked\":true}]}}",
            ADMIN);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(errors(r))
        .as(r.body())
        .anyMatch(e -> e.startsWith("id: "))
        .anyMatch(e -> e.startsWith("owner: "))
        .anyMatch(e -> e.startsWith("policy.maxGuests: "))
        .anyMatch(e -> e.equals("policy: maxGuests must be 0 when acceptGuests is false"))
        .anyMatch(e -> e.startsWith("policy.partners[0].priority: "))
        .anyMatch(e -> e.startsWith("policy.partners[0]: give either a priority"))
        .anyMatch(e -> e.contains("listed once only"));
    assertThat(grid.manager.view().clusters()).hasSize(1);
  }

  @Test
  void unknownFieldsOversizedBodiesAndPagesAreRefused() throws Exception {
    assertThat(
            grid.call("POST", ApiPaths.CLUSTERS, "{\"id\":\"cz\",\"colour\":\"red\"}", ADMIN)
                .body())
        .contains("unknown field 'colour'");
    HttpResponse<String> big =
        grid.call(
            "POST",
            ApiPaths.CLUSTERS,
            "{\"id\":\"cz\",\"owner\":\"" + "a".repeat(RestApi.MAX_BODY) + "\"}",
            ADMIN);
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(grid.call("GET", ApiPaths.JOBS + "?limit=10001", null, ADMIN).statusCode())
        .isEqualTo(400);
    assertThat(grid.manager.view().cluster(ClusterId.of("cz"))).isEmpty();
  }

  @Test
  void aPolicyMustFitTheGrid() throws Exception {
    HttpResponse<String> self =
        grid.call(
            "PUT",
            ApiPaths.CLUSTERS + "/ca/policy",
            "{\"acceptGuests\":true,\"maxGuests\":2,\"partners\":[{\"cluster\":\"ca\","
                + "\"priority\":1},{\"cluster\":\"cq\",\"blocked\":true}]}",
            ADMIN);

    assertThat(self.statusCode()).as(self.body()).isEqualTo(422);
    assertThat(errors(self))
        .containsExactly(
            "partners: cluster ca cannot be its own partner", "partners: no cluster cq");
    assertThat(grid.manager.view().policy(ClusterId.of("ca")).version()).isEqualTo(-1);

    HttpResponse<String> ok =
        grid.call(
            "PUT",
            ApiPaths.CLUSTERS + "/ca/policy",
            "{\"acceptGuests\":false,\"maxGuests\":0}",
            ADMIN);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(Json.mapper().readTree(ok.body()).at("/policy/acceptGuests").asBoolean()).isFalse();
    assertThat(grid.manager.view().policy(ClusterId.of("ca")).version()).isEqualTo(0);
  }
}
