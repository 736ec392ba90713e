package io.roam.web;

import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/** JSON request and response bodies, through the grid's one codec. */
public final class Bodies {
  private Bodies() {}

  /**
   * Decodes the request body.
   *
   * @throws HttpProblem 400 naming what is wrong with it
   */
  public static <T> T read(RoutingContext ctx, Class<T> type) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw new HttpProblem(400, "request body is empty: expected a JSON " + type.getSimpleName());
    }
    try {
      return Json.decode(body.getBytes(), type);
    } catch (JsonException e) {
      throw new HttpProblem(400, e.getMessage());
    }
  }

  /**
   * Decodes the request body, or gives {@code absent} when there is none (an optional body).
   *
   * @throws HttpProblem 400 naming what is wrong with it
   */
  public static <T> T readOptional(RoutingContext ctx, Class<T> type, T absent) {
    Buffer body = ctx.body().buffer();
    return body == null || body.length() == 0 ? absent : read(ctx, type);
  }

  /**
   * Decodes the request body and checks its constraints.
   *
   * @throws HttpProblem 400 naming what is wrong, with every constraint violation in errors
   */
  public static <T> T readValid(RoutingContext ctx, Class<T> type) {
    return Validation.require(read(ctx, type));
  }

  public static void json(RoutingContext ctx, int status, Object value) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(Json.encode(value)));
  }

  /** An integer query parameter within [min, max], or the default when absent. */
  public static long queryLong(RoutingContext ctx, String name, long def, long min, long max) {
    String raw = ctx.request().getParam(name);
    if (raw == null || raw.isEmpty()) {
      return def;
    }
    try {
      long value = Long.parseLong(raw);
      if (value < min || value > max) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new HttpProblem(
          400,
          "query parameter "
              + name
              + "="
              + raw
              + " must be an integer in ["
              + min
              + ", "
              + max
              + "]");
    }
  }
}
