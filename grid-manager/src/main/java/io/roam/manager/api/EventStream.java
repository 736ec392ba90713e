package io.roam.manager.api;

import io.roam.common.auth.TokenRecord;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.manager.auth.Access;
import io.roam.manager.view.GridEvent;
import io.roam.manager.view.GridView;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * {@code GET /api/v1/events}: the read model's changes as server-sent events. Each event is {@code
 * id: SEQ}, {@code event: TYPE} (job.created, job.changed, node.joined, node.left, cluster.created,
 * policy.changed, ...) and {@code data: {"type","id","cluster","value"}}. Job events are filtered
 * and redacted as the caller may see them. A comment line every 15 s keeps proxies from closing an
 * idle stream. A client that stops reading is disconnected once its write queue is full.
 */
final class EventStream {
  static final long HEARTBEAT_MS = 15_000;

  private EventStream() {}

  /** What the stream sends in {@code data:}. */
  record Data(String type, String id, String cluster, Object value) {}

  static void open(
      Vertx vertx,
      RoutingContext ctx,
      GridView view,
      BiFunction<TokenRecord, JobRecord, Optional<JobRecord>> visible) {
    TokenRecord caller = Access.caller(ctx);
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        // An SSE stream must not sit in a compressor's buffer.
        .putHeader("Content-Encoding", "identity")
        .putHeader("X-Accel-Buffering", "no");
    response.write(": roam events\nretry: 2000\n\n");
    Context context = vertx.getOrCreateContext();
    AutoCloseable subscription =
        view.listen(
            event -> {
              Optional<String> frame = frame(caller, event, visible);
              frame.ifPresent(
                  f ->
                      context.runOnContext(
                          v -> {
                            if (response.ended() || response.closed()) {
                              return;
                            }
                            if (response.writeQueueFull()) {
                              // A client that does not read is dropped rather than buffered
                              // without bound; it reconnects and reloads (see retry).
                              ctx.request().connection().close();
                              return;
                            }
                            response.write(f);
                          }));
            });
    long timer =
        vertx.setPeriodic(
            HEARTBEAT_MS,
            id -> {
              if (!response.ended() && !response.closed()) {
                response.write(": heartbeat\n\n");
              }
            });
    response.closeHandler(
        v -> {
          vertx.cancelTimer(timer);
          try {
            subscription.close();
          } catch (Exception e) {
            // nothing to release
          }
        });
  }

  private static Optional<String> frame(
      TokenRecord caller,
      GridEvent event,
      BiFunction<TokenRecord, JobRecord, Optional<JobRecord>> visible) {
    Object value = event.value();
    if (value instanceof JobRecord job) {
      Optional<JobRecord> seen = visible.apply(caller, job);
      if (seen.isEmpty()) {
        return Optional.empty();
      }
      value = seen.get();
    }
    Data data =
        new Data(
            event.type(),
            event.id(),
            event.cluster() == null ? null : event.cluster().value(),
            value);
    return Optional.of(
        "id: "
            + event.seq()
            + "\nevent: "
            + event.type()
            + "\ndata: "
            + Json.encodeString(data)
            + "\n\n");
  }
}
