package io.roam.manager.api;

import io.roam.common.auth.TokenRecord;
import io.roam.common.json.Json;
import io.roam.manager.auth.Access;
import io.roam.manager.view.EventLog;
import io.roam.manager.view.GridEvent;
import io.roam.web.HttpProblem;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code GET /api/v1/events}: the read model's changes as server-sent events. Each event is {@code
 * id: EPOCH-SEQ}, {@code event: TYPE} (job.created, job.changed, node.joined, node.left,
 * cluster.created, policy.changed, operation.changed, ...) and {@code data:
 * {"type","id","cluster","value"}}. A client that reconnects with {@code Last-Event-ID} gets the
 * events it missed from the manager's {@link EventLog}, or one {@code reload} event when they are
 * no longer kept or the manager restarted since. Job events are filtered and redacted as the caller
 * may see them; operation events go to the owners of the operation's cluster. A comment line every
 * 15 s keeps proxies from closing an idle stream. A client that stops reading is disconnected once
 * its write queue is full. {@code ?types=operation,job} narrows the stream to those families of
 * events (a {@code reload} always comes): a client following one operation need not be sent, nor
 * read, every job's changes.
 */
final class EventStream {
  static final long HEARTBEAT_MS = 15_000;

  /** The heartbeat's period; tests of the stream shorten it. */
  static volatile long heartbeatMillis = HEARTBEAT_MS;

  /** Where a client that cannot send headers (a plain EventSource) may put its last id. */
  static final String LAST_EVENT_ID = "Last-Event-ID";

  private EventStream() {}

  /** The families of events, the part of an event's type before the dot. */
  static final Set<String> FAMILIES = Set.of("job", "node", "cluster", "policy", "operation");

  /** What the stream sends in {@code data:}. */
  record Data(String type, String id, String cluster, Object value) {}

  /** Whether a caller may see an event's value: the value as they may see it, or empty. */
  interface Visibility {
    Optional<Object> apply(TokenRecord caller, Object value);
  }

  /**
   * The event types a {@code types} parameter asks for: every type when it is absent, else those of
   * the families it lists (comma-separated). A name that is not a family is refused with a 400.
   */
  static Predicate<String> types(String param) {
    if (param == null || param.isBlank()) {
      return type -> true;
    }
    List<String> asked = Arrays.stream(param.split(",")).map(String::trim).toList();
    List<String> unknown = asked.stream().filter(f -> !FAMILIES.contains(f)).toList();
    if (!unknown.isEmpty()) {
      throw new HttpProblem(
          400,
          "types: unknown event famil"
              + (unknown.size() == 1 ? "y " : "ies ")
              + String.join(", ", unknown)
              + "; name one or more of "
              + FAMILIES.stream().sorted().collect(Collectors.joining(", "))
              + ", comma-separated");
    }
    Set<String> wanted = Set.copyOf(asked);
    return type -> wanted.contains(type.substring(0, Math.max(type.indexOf('.'), 0)));
  }

  static void open(Vertx vertx, RoutingContext ctx, EventLog log, Visibility visible) {
    TokenRecord caller = Access.caller(ctx);
    Predicate<String> wanted = types(ctx.request().getParam("types"));
    Optional<String> last =
        Optional.ofNullable(ctx.request().getHeader(LAST_EVENT_ID))
            .or(() -> Optional.ofNullable(ctx.request().getParam("lastEventId")))
            .filter(s -> !s.isBlank());
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        // An SSE stream must not sit in a compressor's buffer.
        .putHeader("Content-Encoding", "identity")
        .putHeader("X-Accel-Buffering", "no");
    Context context = vertx.getOrCreateContext();
    EventLog.Subscription subscription =
        log.subscribe(
            last,
            event ->
                frame(caller, log, event, wanted, visible)
                    .ifPresent(
                        f ->
                            context.runOnContext(
                                v -> {
                                  if (response.ended() || response.closed()) {
                                    return;
                                  }
                                  if (response.writeQueueFull()) {
                                    // A client that does not read is dropped rather than
                                    // buffered without bound; it reconnects and resumes.
                                    ctx.request().connection().close();
                                    return;
                                  }
                                  response.write(f);
                                })));
    StringBuilder first = new StringBuilder(": roam events\nretry: 2000\n\n");
    if (subscription.reload() != null) {
      first.append(
          "id: "
              + subscription.position()
              + "\nevent: reload\ndata: "
              + Json.encodeString(new Data("reload", subscription.reload(), null, null))
              + "\n\n");
    } else if (last.isEmpty()) {
      // Where this client starts: it resumes from here even if it sees no event before it
      // reconnects. No data, so no event is dispatched.
      first.append("id: " + subscription.position() + "\n\n");
    }
    for (GridEvent missed : subscription.missed()) {
      frame(caller, log, missed, wanted, visible).ifPresent(first::append);
    }
    // Written on this context before any live event's runOnContext can run.
    response.write(first.toString());
    long timer =
        vertx.setPeriodic(
            heartbeatMillis,
            id -> {
              if (!response.ended() && !response.closed()) {
                response.write(": heartbeat\n\n");
              }
            });
    response.closeHandler(
        v -> {
          vertx.cancelTimer(timer);
          try {
            subscription.handle().close();
          } catch (Exception e) {
            // nothing to release
          }
        });
  }

  private static Optional<String> frame(
      TokenRecord caller,
      EventLog log,
      GridEvent event,
      Predicate<String> wanted,
      Visibility visible) {
    if (!wanted.test(event.type())) {
      return Optional.empty();
    }
    Object value = event.value();
    if (value != null) {
      Optional<Object> seen = visible.apply(caller, value);
      if (seen.isEmpty()) {
        return Optional.empty();
      }
      value = seen.get();
    } else if (event.type().startsWith("operation.")) {
      return Optional.empty();
    }
    Data data =
        new Data(
            event.type(),
            event.id(),
            event.cluster() == null ? null : event.cluster().value(),
            value);
    return Optional.of(
        "id: "
            + log.id(event)
            + "\nevent: "
            + event.type()
            + "\ndata: "
            + Json.encodeString(data)
            + "\n\n");
  }
}
