package io.roam.web;

import io.roam.common.api.Problem;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes errors as RFC 9457 problem+json, and maps the grid's exceptions to HTTP statuses. */
public final class Problems {
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);

  private Problems() {}

  public static void send(RoutingContext ctx, int status, String detail) {
    send(ctx, status, detail, List.of());
  }

  public static void send(RoutingContext ctx, int status, String detail, List<String> errors) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    Problem problem = new Problem("about:blank", title(status), status, detail, errors);
    response
        .setStatusCode(status)
        .putHeader("Content-Type", Problem.MEDIA_TYPE)
        .end(Buffer.buffer(Json.encode(problem)));
  }

  /** The last resort of a router: an exception nobody handled becomes a problem answer. */
  public static void onFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof HttpProblem p) {
      send(ctx, p.status(), p.getMessage(), p.errors());
    } else if (failure instanceof JsonException) {
      send(ctx, 400, failure.getMessage());
    } else if (failure != null) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      send(ctx, 500, "internal error: " + failure);
    } else {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      send(ctx, status, status == 413 ? "request body too large" : title(status));
    }
  }

  static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 413 -> "Content Too Large";
      case 422 -> "Unprocessable Content";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }
}
