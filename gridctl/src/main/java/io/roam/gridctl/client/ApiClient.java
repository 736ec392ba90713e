package io.roam.gridctl.client;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.Problem;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The manager's REST API, as gridctl speaks it: the only way gridctl reaches the grid.
 *
 * <p>Blocking {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: the latter keeps a
 * selector thread waiting in native code, and the JVM's exit waits about 300 ms for such threads,
 * on every command; it also loads more classes before the first request (about 150 ms more here).
 */
public final class ApiClient {
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int READ_TIMEOUT_MS = 60_000;

  private final String base;
  private final String token;

  public ApiClient(String base, String token) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
  }

  public String base() {
    return base;
  }

  /** A response's body and headers (names in lower case). */
  public record Response(byte[] body, Map<String, String> headers) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  public <T> T get(String path, Class<T> type) {
    return decode(send("GET", path, null).body(), type);
  }

  public <T> T get(String path, TypeReference<T> type) {
    byte[] body = send("GET", path, null).body();
    try {
      return Json.mapper().readValue(body, type);
    } catch (IOException e) {
      throw new GridCtlException("unexpected answer from " + base + path + ": " + e.getMessage());
    }
  }

  public Response getRaw(String path) {
    return send("GET", path, null);
  }

  public <T> T post(String path, Object body, Class<T> type) {
    return decode(send("POST", path, body == null ? null : Json.encode(body)).body(), type);
  }

  public <T> T postList(String path, Object body, TypeReference<T> type) {
    byte[] answer = send("POST", path, Json.encode(body)).body();
    try {
      return Json.mapper().readValue(answer, type);
    } catch (IOException e) {
      throw new GridCtlException("unexpected answer from " + base + path + ": " + e.getMessage());
    }
  }

  public <T> T put(String path, Object body, Class<T> type) {
    return decode(send("PUT", path, Json.encode(body)).body(), type);
  }

  public void delete(String path) {
    send("DELETE", path, null);
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

  /** One request; {@code body} is JSON, or null for none. */
  private Response send(String method, String path, byte[] body) {
    HttpURLConnection connection = exchange(method, path, body, "application/json");
    try (InputStream in = connection.getInputStream()) {
      return new Response(in.readAllBytes(), headers(connection.getHeaderFields()));
    } catch (IOException e) {
      connection.disconnect();
      throw unreachable(e);
    }
  }

  /**
   * Sends a request and reads the answer's status: the connection, its body still to be read, when
   * the status is below 300; otherwise the problem it reports is thrown.
   */
  private HttpURLConnection exchange(String method, String path, byte[] body, String accept) {
    HttpURLConnection connection = null;
    try {
      connection = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
      connection.setRequestMethod(method);
      // As before: an answer of 3xx is reported, not followed.
      connection.setInstanceFollowRedirects(false);
      connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
      connection.setReadTimeout(READ_TIMEOUT_MS);
      connection.setRequestProperty("Authorization", "Bearer " + token);
      connection.setRequestProperty("Accept", accept);
      if (!method.equals("GET") && !method.equals("DELETE")) {
        byte[] content = body == null ? new byte[0] : body;
        if (body != null) {
          connection.setRequestProperty("Content-Type", "application/json");
        }
        connection.setDoOutput(true);
        // A fixed length streams the request: HttpURLConnection then never re-sends it on its
        // own (it may, for a buffered POST on a stale kept-alive connection), so a detach or a
        // run is asked for once.
        connection.setFixedLengthStreamingMode(content.length);
        try (OutputStream out = connection.getOutputStream()) {
          out.write(content);
        }
      }
      int status = connection.getResponseCode();
      if (status >= 300) {
        byte[] answer;
        try (InputStream in =
            status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
          answer = in == null ? new byte[0] : in.readAllBytes();
        }
        throw new GridCtlException(problem(answer, status), status);
      }
      return connection;
    } catch (ConnectException e) {
      throw new GridCtlException(
          "the grid manager at "
              + base
              + " does not answer: is the grid running? (gridctl status, gridctl up)");
    } catch (IOException | IllegalArgumentException e) {
      if (connection != null) {
        connection.disconnect();
      }
      throw unreachable(e);
    }
  }

  private GridCtlException unreachable(Exception e) {
    return new GridCtlException("cannot reach the grid manager at " + base + ": " + e);
  }

  /** One server-sent event: its type ({@code message} when it names none) and its data. */
  public record Event(String type, String data) {}

  /**
   * The manager's event stream ({@code GET /api/v1/events} with {@code query}), open: its answer
   * has come, so every change from now on will be in it.
   */
  public Events events(String query) {
    return new Events(exchange("GET", ApiPaths.EVENTS + query, null, "text/event-stream"));
  }

  /** An open event stream, read one event at a time. */
  public static final class Events implements AutoCloseable {
    private final HttpURLConnection connection;
    private final BufferedReader in;

    private Events(HttpURLConnection connection) {
      this.connection = connection;
      try {
        this.in =
            new BufferedReader(
                new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        connection.disconnect();
        throw new GridCtlException("cannot read the grid manager's events: " + e);
      }
    }

    /** The next event (comments and id-only frames skipped), or empty when the stream ended. */
    public Optional<Event> next() throws IOException {
      String type = null;
      StringBuilder data = null;
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (data != null) {
            return Optional.of(new Event(type == null ? "message" : type, data.toString()));
          }
          type = null;
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        value = value.startsWith(" ") ? value.substring(1) : value;
        if (field.equals("event")) {
          type = value;
        } else if (field.equals("data")) {
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
      }
      return Optional.empty();
    }

    @Override
    public void close() {
      connection.disconnect();
    }
  }

  private String problem(byte[] answer, int status) {
    try {
      Problem problem = Json.decode(answer, Problem.class);
      String detail = problem.detail();
      if (!problem.errors().isEmpty()) {
        detail += ": " + String.join("; ", problem.errors());
      }
      return detail;
    } catch (JsonException e) {
      return "HTTP " + status + " from " + base;
    }
  }

  private static Map<String, String> headers(Map<String, List<String>> fields) {
    Map<String, String> headers = new HashMap<>();
    fields.forEach(
        (name, values) -> {
          // The status line comes under a null name.
          if (name != null) {
            headers.put(name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0));
          }
        });
    return headers;
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
