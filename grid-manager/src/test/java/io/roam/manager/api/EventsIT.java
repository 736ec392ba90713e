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
    subscribe(token, null);
  }

  /** Opens the stream (resuming after {@code lastEventId} unless null) and reads it into lines. */
  private void subscribe(String token, String lastEventId) throws Exception {
    subscribe(token, lastEventId, false);
  }

  /** The same; {@code byQuery}: the id goes in the query, as a client without headers sends it. */
  private void subscribe(String token, String lastEventId, boolean byQuery) throws Exception {
    open(token, byQuery ? "?lastEventId=" + lastEventId : "", byQuery ? null : lastEventId);
  }

  /**
   * Opens the stream with {@code query} (and a Last-Event-ID header unless null), read into lines.
   */
  private void open(String token, String query, String lastEventId) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(grid.manager.url() + RestApi.EVENTS + query))
            .header("Authorization", "Bearer " + token)
            .header("Accept-Encoding", "gzip");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> r =
        grid.http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
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

  /** A new cluster cc, then ca's policy closed by its owner; returns once that event is heard. */
  private void addClusterCcAndCloseCa(String owner) throws Exception {
    grid.clusterWithNode("cc", "carol");
    grid.call(
        "PUT", ApiPaths.CLUSTERS + "/ca/policy", "{\"acceptGuests\":false,\"maxGuests\":0}", owner);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.startsWith("event: policy.changed")));
  }

  @Test
  void anOwnerHearsOfTheirJobsNodesAndPoliciesButNotOfOthersJobsElsewhere() throws Exception {
    String alice = token("alice");
    String bob = token("bob");
    subscribe(alice);

    JobRecord bobs = run(bob, "cb-n1", "bobs-secret");
    JobRecord mine = run(alice, "ca-n1", "alices-program");
    JobRecord guest = run(bob, "ca-n1", "bobs-guest-secret");
    addClusterCcAndCloseCa(alice);
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
                .map(l -> Long.parseLong(l.substring(l.indexOf('-') + 1))))
        .isSorted();
  }

  @Test
  void aStreamNarrowedToFamiliesCarriesOnlyThose() throws Exception {
    String alice = token("alice");
    open(alice, "?types=policy,cluster", null);

    run(alice, "ca-n1", "alices-program");
    addClusterCcAndCloseCa(alice);
    assertThat(lines.stream().filter(l -> l.startsWith("event: ")))
        .isNotEmpty()
        .allMatch(l -> l.startsWith("event: policy.") || l.startsWith("event: cluster."))
        .anyMatch(l -> l.equals("event: cluster.created"));
  }

  @Test
  void anUnknownFamilyIsRefusedWithTheKnownOnes() throws Exception {
    HttpResponse<String> r =
        grid.call("GET", RestApi.EVENTS + "?types=operation,jobs", null, ADMIN);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(Json.mapper().readTree(r.body()).get("detail").asText())
        .isEqualTo(
            "types: unknown event family jobs; name one or more of cluster, job, node, operation,"
                + " policy, comma-separated");
  }

  /** The id of the last event of {@code type} about {@code id} heard so far. */
  private String idOf(String type, String id) {
    return idOf(type, id, "");
  }

  /** The same, of an event whose data contains {@code text}. */
  private String idOf(String type, String id, String text) {
    String last = null;
    for (int i = 0; i + 2 < lines.size(); i++) {
      if (lines.get(i).startsWith("id: ")
          && lines.get(i + 1).equals("event: " + type)
          && lines.get(i + 2).contains("\"id\":\"" + id + "\"")
          && lines.get(i + 2).contains(text)) {
        last = lines.get(i).substring(4);
      }
    }
    return last;
  }

  private void reconnect(String token, String lastEventId) throws Exception {
    stream.close();
    lines.clear();
    subscribe(token, lastEventId);
  }

  @Test
  void aClientThatReconnectsWithItsLastEventIdGetsWhatItMissedAndOnlyThat() throws Exception {
    String alice = token("alice");
    String bob = token("bob");
    subscribe(alice);
    String start = lines.stream().filter(l -> l.startsWith("id: ")).findFirst().orElseThrow();
    assertThat(start).matches("id: [0-9a-z]+-[0-9]+");
    JobRecord before = run(alice, "ca-n1", "before");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> idOf("job.created", before.id().value()) != null);
    String seen = idOf("job.created", before.id().value());
    stream.close();

    JobRecord missed = run(alice, "ca-n1", "while-away");
    JobRecord bobs = run(bob, "cb-n1", "bobs-secret");
    reconnect(alice, seen);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> idOf("job.created", missed.id().value()) != null);
    JobRecord after = run(alice, "ca-n1", "after");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> idOf("job.created", after.id().value()) != null);

    String all = String.join("\n", lines);
    assertThat(all)
        .contains("while-away", "after")
        .doesNotContain("event: reload", "bobs-secret", "\"id\":\"" + bobs.id() + "\"");
    String epoch = seen.substring(0, seen.indexOf('-'));
    List<Long> seqs =
        lines.stream()
            .filter(l -> l.startsWith("id: "))
            .map(l -> l.substring(4))
            .peek(id -> assertThat(id).startsWith(epoch + "-"))
            .map(id -> Long.parseLong(id.substring(epoch.length() + 1)))
            .toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    // Nothing it saw is repeated (later changes of the first job may follow, of course).
    assertThat(seqs.get(0)).isGreaterThan(Long.parseLong(seen.substring(epoch.length() + 1)));

    // An id of an earlier start of the manager: the client is told to reload, then hears on.
    reconnect(alice, "0-" + seqs.get(0));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> lines.stream().anyMatch(l -> l.equals("event: reload")));
    assertThat(String.join("\n", lines)).contains("manager restarted").doesNotContain("while-away");
    JobRecord last = run(alice, "ca-n1", "after-reload");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> idOf("job.created", last.id().value()) != null);
  }

  @Test
  void anIdleStreamGetsHeartbeatsAndAClientWithoutHeadersResumesByQuery() throws Exception {
    String alice = token("alice");
    EventStream.heartbeatMillis = 200;
    try {
      subscribe(alice);
      await().atMost(Duration.ofSeconds(5)).until(() -> lines.contains(": heartbeat"));
    } finally {
      EventStream.heartbeatMillis = EventStream.HEARTBEAT_MS;
    }
    String start = lines.stream().filter(l -> l.startsWith("id: ")).findFirst().orElseThrow();
    stream.close();
    JobRecord missed = run(alice, "ca-n1", "while-away");
    lines.clear();

    subscribe(alice, start.substring(4), true);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> idOf("job.changed", missed.id().value(), "RUNNING") != null);
    assertThat(String.join("\n", lines)).contains("while-away").doesNotContain("event: reload");
  }

  @Test
  void operationEventsGoToTheOwnersOfTheirClusterOnly() throws Exception {
    String alice = token("alice");
    String bob = token("bob");
    subscribe(bob);
    HttpResponse<String> ca = grid.call("POST", ApiPaths.CLUSTERS + "/ca/detach", null, alice);
    assertThat(ca.statusCode()).isEqualTo(202);
    String caOperation = Json.mapper().readTree(ca.body()).get("id").asText();
    assertThat(grid.call("POST", ApiPaths.CLUSTERS + "/cb/detach", null, bob).statusCode())
        .isEqualTo(202);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> String.join("\n", lines).contains("\"kind\":\"DETACH\",\"cluster\":\"cb\""));
    assertThat(String.join("\n", lines)).contains("event: operation.").doesNotContain("detach-ca-");
  }
}
