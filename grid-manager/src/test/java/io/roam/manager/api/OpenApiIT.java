package io.roam.manager.api;

import static io.roam.manager.api.ApiFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.roam.common.json.Json;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/api/openapi.yaml against the real router, both ways: every documented operation exists and
 * answers a happy request and a missing token with documented statuses, and the router has no route
 * under /api/v1 that the document does not describe.
 */
class OpenApiIT {
  private static final Path DOC = Path.of("..", "docs", "api", "openapi.yaml");

  @TempDir Path state;
  private ApiFixture grid;
  private JsonNode doc;

  @BeforeEach
  void start() throws Exception {
    grid = new ApiFixture(state);
    grid.clusterWithNode("ca", "alice");
    grid.clusterWithNode("cb", "bob");
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 2);
    // A live host, so that VMs can be asked of it.
    new io.roam.store.CuratorHostStore(grid.store.client(), new io.roam.common.zk.ZkLayout("t"))
        .registerHost(
            new io.roam.common.model.HostRecord(
                io.roam.common.id.HostId.of("h1"),
                8,
                16L << 30,
                8,
                16L << 30,
                "9.0.0",
                "qemu",
                "configured",
                java.util.List.of(),
                java.util.List.of(),
                java.time.Instant.now()));
    doc = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(DOC));
  }

  @AfterEach
  void stop() throws Exception {
    grid.close();
  }

  private Set<String> documented() {
    Set<String> ops = new TreeSet<>();
    doc.get("paths")
        .fields()
        .forEachRemaining(
            p ->
                p.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        m -> {
                          if (!m.equals("parameters")) {
                            ops.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                          }
                        }));
    return ops;
  }

  private Set<String> routed() {
    Set<String> ops = new TreeSet<>();
    for (Route r : grid.manager.router().getRoutes()) {
      String path = r.getPath();
      if (path == null || !path.startsWith("/api/v1/") || r.methods() == null) {
        continue;
      }
      String templated = path.replaceAll(":([a-z]+)", "{$1}");
      for (HttpMethod m : r.methods()) {
        ops.add(m.name() + " " + templated);
      }
    }
    return ops;
  }

  @Test
  void theDocumentAndTheRouterDescribeTheSameRoutes() {
    assertThat(routed()).isNotEmpty().isEqualTo(documented());
  }

  @Test
  void theServedDocumentIsTheOneInDocs() throws Exception {
    HttpResponse<String> served = grid.call("GET", "/api/v1/openapi.yaml", null, null);

    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.body()).isEqualTo(Files.readString(DOC));
    assertThat(doc.at("/info/version").asText()).isNotBlank();
  }

  private record Call(String method, String path, String body, int status) {}

  @Test
  void everyDocumentedOperationAnswersAsDocumented() throws Exception {
    String[] job = new String[1];
    Map<String, Supplier<Call>> happy = new LinkedHashMap<>();
    happy.put("GET /api/v1/openapi.yaml", () -> new Call("GET", "/api/v1/openapi.yaml", null, 200));
    happy.put("GET /api/v1/status", () -> new Call("GET", "/api/v1/status", null, 200));
    happy.put("GET /api/v1/clusters", () -> new Call("GET", "/api/v1/clusters", null, 200));
    happy.put(
        "POST /api/v1/clusters",
        () -> new Call("POST", "/api/v1/clusters", "{\"id\":\"cn\"}", 201));
    happy.put(
        "GET /api/v1/clusters/{cluster}", () -> new Call("GET", "/api/v1/clusters/ca", null, 200));
    happy.put(
        "PUT /api/v1/clusters/{cluster}/policy",
        () ->
            new Call(
                "PUT",
                "/api/v1/clusters/ca/policy",
                "{\"acceptGuests\":true,\"maxGuests\":2}",
                200));
    happy.put("GET /api/v1/nodes", () -> new Call("GET", "/api/v1/nodes", null, 200));
    happy.put("GET /api/v1/nodes/{node}", () -> new Call("GET", "/api/v1/nodes/ca-n1", null, 200));
    happy.put(
        "GET /api/v1/nodes/{node}/load",
        () -> new Call("GET", "/api/v1/nodes/ca-n1/load", null, 200));
    happy.put(
        "POST /api/v1/nodes/{node}/flags",
        () -> new Call("POST", "/api/v1/nodes/ca-n1/flags", "{\"stay\":false}", 200));
    happy.put(
        "POST /api/v1/nodes/{node}/expel",
        () -> new Call("POST", "/api/v1/nodes/ca-n1/expel", "{\"parallel\":2}", 202));
    happy.put(
        "POST /api/v1/nodes/{node}/bring",
        () -> new Call("POST", "/api/v1/nodes/cb-n1/bring", null, 202));
    happy.put(
        "POST /api/v1/jobs",
        () -> new Call("POST", "/api/v1/jobs", "{\"command\":[\"sleep\",\"60\"]}", 201));
    happy.put("GET /api/v1/jobs", () -> new Call("GET", "/api/v1/jobs", null, 200));
    happy.put("GET /api/v1/jobs/{job}", () -> new Call("GET", "/api/v1/jobs/" + job[0], null, 200));
    happy.put(
        "GET /api/v1/jobs/{job}/logs",
        () -> new Call("GET", "/api/v1/jobs/" + job[0] + "/logs", null, 200));
    happy.put(
        "POST /api/v1/jobs/{job}/migrate",
        () -> {
          // To whichever node the job is not on.
          String on =
              grid.manager
                  .view()
                  .job(io.roam.common.id.JobId.of(job[0]))
                  .orElseThrow()
                  .job()
                  .node()
                  .value();
          String target = on.equals("ca-n1") ? "cb-n1" : "ca-n1";
          return new Call(
              "POST",
              "/api/v1/jobs/" + job[0] + "/migrate",
              "{\"target\":\"" + target + "\"}",
              202);
        });
    happy.put(
        "POST /api/v1/jobs/{job}/lock",
        () -> new Call("POST", "/api/v1/jobs/" + job[0] + "/lock", null, 200));
    happy.put(
        "POST /api/v1/jobs/{job}/unlock",
        () -> new Call("POST", "/api/v1/jobs/" + job[0] + "/unlock", null, 200));
    happy.put(
        "POST /api/v1/jobs/{job}/checkpoint",
        () -> new Call("POST", "/api/v1/jobs/" + job[0] + "/checkpoint", null, 202));
    happy.put(
        "POST /api/v1/jobs/{job}/kill",
        () -> new Call("POST", "/api/v1/jobs/" + job[0] + "/kill", null, 202));
    happy.put("GET /api/v1/tokens", () -> new Call("GET", "/api/v1/tokens", null, 200));
    happy.put(
        "POST /api/v1/tokens",
        () -> new Call("POST", "/api/v1/tokens", "{\"name\":\"t1\",\"role\":\"owner\"}", 201));
    happy.put(
        "DELETE /api/v1/tokens/{name}", () -> new Call("DELETE", "/api/v1/tokens/t1", null, 204));
    happy.put("GET /api/v1/events", () -> new Call("GET", "/api/v1/events", null, 200));
    happy.put(
        "POST /api/v1/clusters/{cluster}/detach",
        () -> new Call("POST", "/api/v1/clusters/cn/detach", "{\"parallel\":1}", 202));
    happy.put(
        "POST /api/v1/clusters/{cluster}/attach",
        () -> {
          // Once the detach of the empty cluster is done.
          await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () ->
                      !grid.call("GET", "/api/v1/operations", null, ADMIN)
                          .body()
                          .contains("RUNNING"));
          return new Call("POST", "/api/v1/clusters/cn/attach", null, 202);
        });
    happy.put("GET /api/v1/operations", () -> new Call("GET", "/api/v1/operations", null, 200));
    happy.put(
        "GET /api/v1/operations/{operation}",
        () -> {
          try {
            String id =
                Json.mapper()
                    .readTree(grid.call("GET", "/api/v1/operations", null, ADMIN).body())
                    .at("/0/id")
                    .asText();
            return new Call("GET", "/api/v1/operations/" + id, null, 200);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    happy.put("GET /api/v1/hosts", () -> new Call("GET", "/api/v1/hosts", null, 200));
    happy.put("GET /api/v1/vms", () -> new Call("GET", "/api/v1/vms", null, 200));
    happy.put(
        "POST /api/v1/hosts/{host}/vms",
        () ->
            new Call(
                "POST",
                "/api/v1/hosts/h1/vms",
                "{\"cluster\":\"ca\",\"count\":1,\"vcpus\":1,\"memoryMib\":256,"
                    + "\"image\":\"base.qcow2\",\"imageSha256\":\""
                    + "0".repeat(64)
                    + "\"}",
                201));
    happy.put(
        "DELETE /api/v1/hosts/{host}/vms/{node}",
        () -> new Call("DELETE", "/api/v1/hosts/h1/vms/ca-v1", null, 204));
    assertThat(happy.keySet()).containsExactlyInAnyOrderElementsOf(documented());

    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, Supplier<Call>> op : happy.entrySet()) {
      Call call = op.getValue().get();
      JsonNode operation =
          doc.get("paths")
              .get(op.getKey().substring(op.getKey().indexOf(' ') + 1))
              .get(call.method().toLowerCase(Locale.ROOT));
      JsonNode responses = operation.get("responses");
      boolean secured = !operation.has("security") || !operation.get("security").isEmpty();

      int unauthenticated = status(call, null);
      if (secured && (unauthenticated != 401 || !responses.has("401"))) {
        failures.add(op.getKey() + ": without a token answered " + unauthenticated);
      }
      int status = status(call, ADMIN);
      if (status != call.status() || !responses.has(Integer.toString(status))) {
        List<String> documentedStatuses = new ArrayList<>();
        responses.fieldNames().forEachRemaining(documentedStatuses::add);
        failures.add(
            op.getKey()
                + ": answered "
                + status
                + (status >= 400
                    ? " (" + grid.call(call.method(), call.path(), call.body(), ADMIN).body() + ")"
                    : "")
                + ", documented "
                + documentedStatuses);
      }
      if (op.getKey().equals("POST /api/v1/jobs")) {
        job[0] =
            Json.mapper()
                .readTree(grid.call("GET", "/api/v1/jobs?limit=1", null, ADMIN).body())
                .at("/items/0/id")
                .asText();
      }
    }
    assertThat(failures).isEmpty();
  }

  /** The status of a call; an event stream is closed as soon as its headers arrive. */
  private int status(Call call, String token) throws Exception {
    if (call.path().endsWith("/events")) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(grid.manager.url() + call.path()));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      HttpResponse<InputStream> r =
          grid.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      r.body().close();
      return r.statusCode();
    }
    return grid.call(call.method(), call.path(), call.body(), token).statusCode();
  }
}
