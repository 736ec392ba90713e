package io.roam.gridctl.client;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.Problem;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/** The manager's REST API, as gridctl speaks it: the only way gridctl reaches the grid. */
public final class ApiClient {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String token;

  public ApiClient(String base, String token) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
  }

  public String base() {
    return base;
  }

  /** A response's body and headers. */
  public record Response(byte[] body, Map<String, String> headers) {
    public String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  public <T> T get(String path, Class<T> type) {
    return decode(send(request(path).GET()).body(), type);
  }

  public <T> T get(String path, TypeReference<T> type) {
    byte[] body = send(request(path).GET()).body();
    try {
      return Json.mapper().readValue(body, type);
    } catch (IOException e) {
      throw new GridCtlException("unexpected answer from " + base + path + ": " + e.getMessage());
    }
  }

  public Response getRaw(String path) {
    return send(request(path).GET());
  }

  public <T> T post(String path, Object body, Class<T> type) {
    HttpRequest.Builder builder =
        request(path)
            .header("Content-Type", "application/json")
            .POST(
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(Json.encode(body)));
    return decode(send(builder).body(), type);
  }

  public <T> T postList(String path, Object body, TypeReference<T> type) {
    byte[] answer =
        send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.encode(body))))
            .body();
    try {
      return Json.mapper().readValue(answer, type);
    } catch (IOException e) {
      throw new GridCtlException("unexpected answer from " + base + path + ": " + e.getMessage());
    }
  }

  public <T> T put(String path, Object body, Class<T> type) {
    HttpRequest.Builder builder =
        request(path)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.encode(body)));
    return decode(send(builder).body(), type);
  }

  public void delete(String path) {
    send(request(path).DELETE());
  }

  public static String query(Map<String, ?> params) {
    String q =
        params.entrySet().stream()
            .filter(e -> e.getValue() != null)
            .map(
                e ->
                    e.getKey()
                        + "="
                        + URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return q.isEmpty() ? "" : "?" + q;
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json");
  }

  private Response send(HttpRequest.Builder builder) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new GridCtlException(
          "the grid manager at "
              + base
              + " does not answer: is the grid running? (gridctl status, gridctl up)");
    } catch (IOException e) {
      throw new GridCtlException("cannot reach the grid manager at " + base + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GridCtlException("interrupted");
    }
    if (response.statusCode() >= 300) {
      String detail;
      try {
        Problem problem = Json.decode(response.body(), Problem.class);
        detail = problem.detail();
        if (!problem.errors().isEmpty()) {
          detail += ": " + String.join("; ", problem.errors());
        }
      } catch (JsonException e) {
        detail = "HTTP " + response.statusCode() + " from " + base;
      }
      throw new GridCtlException(detail, response.statusCode());
    }
    Map<String, String> headers =
        response.headers().map().entrySet().stream()
            .collect(
                Collectors.toMap(
                    e -> e.getKey().toLowerCase(java.util.Locale.ROOT),
                    e -> e.getValue().isEmpty() ? "" : e.getValue().get(0)));
    return new Response(response.body(), headers);
  }

  private <T> T decode(byte[] body, Class<T> type) {
    try {
      return Json.decode(body, type);
    } catch (JsonException e) {
      throw new GridCtlException("unexpected answer from " + base + ": " + e.getMessage());
    }
  }

  /** Paths used by the commands, in one place. */
  public static String jobs() {
    return ApiPaths.JOBS;
  }
}
