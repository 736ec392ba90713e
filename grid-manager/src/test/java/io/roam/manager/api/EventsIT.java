package io.roam.manager.api;

import static io.roam.manager.api.ApiFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.common.api.ApiPaths;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/v1/events read by a real streaming HTTP client while the grid changes. */
class EventsIT {
  @TempDir Path state;
  private ApiFixture grid;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private InputStream stream;

  @BeforeEach
  void start() throws Exception {
    grid = new ApiFixture(state);
    grid.clusterWithNode("ca", "alice");
    grid.clusterWithNode("cb", "bob");
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 2);
  }

  @AfterEach
  void stop() throws Exception {
    if (stream != null) {
      stream.close();
    }
    grid.close();
  }

  private String token(String name) throws Exception {
    HttpResponse<String> r =
        grid.call("POST", RestApi.TOKENS, "{\"name\":\"" + name + "\",\"role\":\"owner\"}", ADMIN);
    return Json.mapper().readTree(r.body()).get("token").asText();
  }

  private void subscribe(String token) throws Exception {
    HttpResponse<InputStream> r =
        grid.http.send(
            HttpRequest.newBuilder(URI.create(grid.manager.url() + RestApi.EVENTS))
                .header("Authorization", "Bearer " + token)
                .header("Accept-Encoding", "gzip")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
    stream = r.body();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (Exception e) {
                // closed by the test
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> lines.contains(": roam events"));
  }

  private JobRecord run(String token, String node, String program) throws Exception {
    HttpResponse<String> r =
        grid.call(
            "POST",
            ApiPaths.JOBS,
            "{\"command\":[\"" + program + "\"],\"node\":\"" + node + "\"}",
            token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.decode(r.body(), JobRecord.class);
  }

  @Test
  void anOwnerHearsOfTheirJobsNodesAndPoliciesButNotOfOthersJobsElsewhere() throws Exception {
    String alice = token("alice");
    String bob = token("bob");
    subscribe(alice);

    JobRecord bobs = run(bob, "cb-n1", "bobs-secret");
    JobRecord mine = run(alice, "ca-n1", "alices-program");
    JobRecord guest = run(bob, "ca-n1", "bobs-guest-secret");
    grid.clusterWithNode("cc", "carol");
    grid.call(
        "PUT", ApiPaths.CLUSTERS + "/ca/policy", "{\"acceptGuests\":false,\"maxGuests\":0}", alice);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.startsWith("event: policy.changed")));
    String all = String.join("\n", lines);
    assertThat(all)
        .contains("event: job.created", "\"id\":\"" + mine.id() + "\"", "alices-program")
        .contains("\"state\":\"RUNNING\"")
        .contains("event: node.joined", "\"id\":\"cc-n1\"")
        .contains("event: cluster.created", "\"id\":\"cc\"")
        .contains("\"id\":\"" + guest.id() + "\"", JobRecord.HIDDEN_COMMAND)
        .doesNotContain("bobs-secret", "bobs-guest-secret", "\"id\":\"" + bobs.id() + "\"");
    assertThat(
            lines.stream()
                .filter(l -> l.startsWith("id: "))
                .map(l -> Long.parseLong(l.substring(4))))
        .isSorted();
  }
}
