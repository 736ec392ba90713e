package io.roam.gridctl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.roam.common.api.Problem;
import io.roam.common.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against a real HTTP server on a real port: what it sends and how it reads answers. */
class ApiClientTest {
  record Seen(String method, String path, String auth, String contentType, String body) {}

  record Thing(String name, int size) {}

  private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
  private final AtomicInteger posts = new AtomicInteger();
  private HttpServer server;
  private ApiClient client;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
    client = new ApiClient("http://127.0.0.1:" + server.getAddress().getPort() + "/", "s3cret");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void answer(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String path = ex.getRequestURI().toString();
    seen.add(
        new Seen(
            ex.getRequestMethod(),
            path,
            ex.getRequestHeaders().getFirst("Authorization"),
            ex.getRequestHeaders().getFirst("Content-Type"),
            body));
    if (ex.getRequestMethod().equals("POST")) {
      posts.incrementAndGet();
    }
    int status = 200;
    byte[] answer = Json.encode(new Thing("echo:" + body, body.length()));
    if (path.startsWith("/missing")) {
      status = 404;
      answer =
          Json.encode(
              new Problem(
                  "about:blank", "Not Found", 404, "no cluster c9", List.of("try gridctl ls")));
    } else if (path.startsWith("/garbled")) {
      status = 500;
      answer = "<html>oops</html>".getBytes(StandardCharsets.UTF_8);
    } else if (path.startsWith("/moved")) {
      status = 302;
      ex.getResponseHeaders().add("Location", "/elsewhere");
    } else if (path.startsWith("/empty")) {
      status = 204;
      answer = new byte[0];
    }
    ex.getResponseHeaders().add("X-Next-Offset", "42");
    ex.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
    ex.getResponseBody().write(answer);
    ex.close();
  }

  @Test
  void sendsTheTokenAndJsonAndDecodesTheAnswer() {
    Thing got = client.post("/api/v1/things?x=1", new Thing("a", 1), Thing.class);

    assertThat(got.name()).isEqualTo("echo:{\"name\":\"a\",\"size\":1}");
    Seen request = seen.poll();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/api/v1/things?x=1");
    assertThat(request.auth()).isEqualTo("Bearer s3cret");
    assertThat(request.contentType()).isEqualTo("application/json");
  }

  @Test
  void everyMethodReachesTheServerOnceWithItsBody() {
    client.get("/a", Thing.class);
    client.put("/b", new Thing("b", 2), Thing.class);
    client.delete("/c");
    client.post("/d", null, Thing.class);

    assertThat(seen)
        .extracting(Seen::method, Seen::path, Seen::body)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("GET", "/a", ""),
            org.assertj.core.groups.Tuple.tuple("PUT", "/b", "{\"name\":\"b\",\"size\":2}"),
            org.assertj.core.groups.Tuple.tuple("DELETE", "/c", ""),
            org.assertj.core.groups.Tuple.tuple("POST", "/d", ""));
    assertThat(posts).hasValue(1);
  }

  @Test
  void rawAnswersCarryTheirHeadersByLowerCaseName() {
    ApiClient.Response raw = client.getRaw("/logs");

    assertThat(raw.header("X-Next-Offset")).isEqualTo("42");
    assertThat(raw.header("x-next-offset")).isEqualTo("42");
    assertThat(new String(raw.body(), StandardCharsets.UTF_8)).contains("echo:");
  }

  @Test
  void aProblemIsReportedWithItsDetailErrorsAndStatus() {
    assertThatThrownBy(() -> client.get("/missing", Thing.class))
        .isInstanceOfSatisfying(
            GridCtlException.class,
            e -> {
              assertThat(e.getMessage()).isEqualTo("no cluster c9: try gridctl ls");
              assertThat(e.httpStatus()).isEqualTo(404);
            });
    assertThatThrownBy(() -> client.get("/garbled", Thing.class))
        .isInstanceOf(GridCtlException.class)
        .hasMessageContaining("HTTP 500 from http://127.0.0.1:");
  }

  @Test
  void aRedirectIsReportedNotFollowed() {
    assertThatThrownBy(() -> client.get("/moved", Thing.class))
        .isInstanceOf(GridCtlException.class)
        .hasMessageContaining("HTTP 302");
    assertThat(seen).extracting(Seen::path).containsExactly("/moved");
  }

  @Test
  void aNoContentAnswerIsAccepted() {
    client.delete("/empty");
    assertThat(seen).extracting(Seen::method).containsExactly("DELETE");
  }

  @Test
  void aManagerThatIsNotThereIsNamedWithAHint() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    ApiClient absent = new ApiClient("http://127.0.0.1:" + port, "t");

    assertThatThrownBy(() -> absent.get("/api/v1/health", Map.class))
        .isInstanceOf(GridCtlException.class)
        .hasMessage(
            "the grid manager at http://127.0.0.1:"
                + port
                + " does not answer: is the grid running? (gridctl status, gridctl up)");
  }
}
