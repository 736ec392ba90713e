package io.roam.gridctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.OperationRecord;
import io.roam.common.model.OperationRecord.Item;
import io.roam.common.model.OperationRecord.ItemState;
import io.roam.common.model.OperationRecord.Kind;
import io.roam.common.model.OperationRecord.State;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Following an operation (--wait) against a real HTTP server: by the event stream when there is
 * one, by reading the record when there is none or it breaks.
 */
class FollowOperationTest {
  private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
  private static final Charset UTF8 = StandardCharsets.UTF_8;

  private final AtomicInteger reads = new AtomicInteger();
  private final CountDownLatch firstRead = new CountDownLatch(1);
  private final Deque<OperationRecord> answers = new ArrayDeque<>();
  private final List<String> streams = new CopyOnWriteArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private HttpServer server;
  private ApiClient client;

  /** Whether the operation was deleted: reading it answers 404. */
  private volatile boolean gone;

  /** What the events route does: write a stream, or refuse. */
  private volatile EventsRoute events;

  interface EventsRoute {
    void answer(HttpExchange ex) throws Exception;
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(threads);
    server.createContext(
        ApiPaths.operation("op1"),
        ex -> {
          if (gone) {
            byte[] body = "{\"status\":404,\"detail\":\"unknown operation op1\"}".getBytes(UTF8);
            ex.sendResponseHeaders(404, body.length);
            ex.getResponseBody().write(body);
            ex.close();
            return;
          }
          OperationRecord op;
          synchronized (answers) {
            op = answers.size() > 1 ? answers.poll() : answers.peek();
          }
          reads.incrementAndGet();
          firstRead.countDown();
          byte[] body = Json.encode(op);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.createContext(
        ApiPaths.EVENTS,
        ex -> {
          streams.add(ex.getRequestURI().getQuery());
          try {
            events.answer(ex);
          } catch (Exception e) {
            // the client went away
          } finally {
            ex.close();
          }
        });
    server.start();
    client = new ApiClient("http://127.0.0.1:" + server.getAddress().getPort(), "t");
  }

  @AfterEach
  void stop() {
    server.stop(0);
    threads.shutdownNow();
  }

  private static OperationRecord op(String id, State state, int secondsIn, String message) {
    return new OperationRecord(
        id,
        Kind.DETACH,
        ClusterId.of("c2"),
        state,
        T0,
        T0.plusSeconds(secondsIn),
        null,
        null,
        List.of(
            new Item(
                JobId.of("j1"),
                NodeId.of("c2-n1"),
                NodeId.of("c1-n1"),
                state == State.RUNNING ? ItemState.MOVING : ItemState.DONE,
                null,
                null)),
        message);
  }

  private static void event(OutputStream out, String type, OperationRecord op) throws IOException {
    String data = Json.encodeString(new ClusterOps.OperationEvent(type, op.id(), "c2", op));
    out.write(("id: 1-1\nevent: " + type + "\ndata: " + data + "\n\n").getBytes(UTF8));
    out.flush();
  }

  @Test
  void theEndIsTakenFromTheStreamWithoutReadingTheRecordAgain() throws Exception {
    answers.add(op("op1", State.RUNNING, 1, "detaching"));
    events =
        ex -> {
          ex.getResponseHeaders().add("Content-Type", "text/event-stream");
          ex.sendResponseHeaders(200, 0);
          OutputStream out = ex.getResponseBody();
          out.write(": roam events\nretry: 2000\n\nid: 1-0\n\n".getBytes(UTF8));
          out.flush();
          // Changes come once the client has read the record, as a live stream's would.
          firstRead.await(10, TimeUnit.SECONDS);
          out.write(": heartbeat\n\n".getBytes(UTF8));
          event(out, "operation.changed", op("op2", State.DONE, 2, "another"));
          event(out, "operation.changed", op("op1", State.RUNNING, 0, "stale"));
          event(out, "operation.changed", op("op1", State.RUNNING, 2, "moving j1"));
          event(out, "operation.changed", op("op1", State.DONE, 3, "cluster c2 is detached"));
          Thread.sleep(10_000);
        };
    List<String> shown = new CopyOnWriteArrayList<>();

    OperationRecord end =
        ClusterOps.untilEnded(
            client, op("op1", State.RUNNING, 0, "started"), r -> shown.add(r.message()));

    assertThat(end.state()).isEqualTo(State.DONE);
    assertThat(end.message()).isEqualTo("cluster c2 is detached");
    assertThat(shown).containsExactly("detaching", "moving j1", "cluster c2 is detached");
    assertThat(reads).hasValue(1);
    assertThat(streams).containsExactly("types=operation");
  }

  @Test
  @Timeout(30)
  void anOperationDeletedMeanwhileEndsTheWaitWithTheManagersAnswer() throws Exception {
    answers.add(op("op1", State.RUNNING, 1, "detaching"));
    events =
        ex -> {
          ex.sendResponseHeaders(200, 0);
          OutputStream out = ex.getResponseBody();
          out.write(": roam events\n\n".getBytes(UTF8));
          out.flush();
          firstRead.await(10, TimeUnit.SECONDS);
          gone = true;
          String data = Json.encodeString(new ClusterOps.OperationEvent("x", "op1", "c2", null));
          out.write(("event: operation.deleted\ndata: " + data + "\n\n").getBytes(UTF8));
          out.flush();
          // The stream stays open: the deletion alone must end the wait.
          Thread.sleep(120_000);
        };

    assertThatThrownBy(
            () -> ClusterOps.untilEnded(client, op("op1", State.RUNNING, 0, "started"), r -> {}))
        .isInstanceOfSatisfying(
            GridCtlException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(404);
              assertThat(e.getMessage()).isEqualTo("unknown operation op1");
            });
  }

  @Test
  void withoutAStreamTheRecordIsReadUntilItEnds() throws Exception {
    answers.add(op("op1", State.RUNNING, 1, "detaching"));
    answers.add(op("op1", State.RUNNING, 2, "moving j1"));
    answers.add(op("op1", State.DONE, 3, "cluster c2 is detached"));
    events =
        ex -> {
          byte[] body = "{\"status\":404,\"detail\":\"no such route\"}".getBytes(UTF8);
          ex.sendResponseHeaders(404, body.length);
          ex.getResponseBody().write(body);
        };

    OperationRecord end =
        ClusterOps.untilEnded(client, op("op1", State.RUNNING, 0, "started"), r -> {});

    assertThat(end.message()).isEqualTo("cluster c2 is detached");
    assertThat(reads).hasValue(3);
  }

  @Test
  void aStreamThatEndsLeavesTheRestToReadingTheRecord() throws Exception {
    answers.add(op("op1", State.RUNNING, 1, "detaching"));
    answers.add(op("op1", State.DONE, 3, "cluster c2 is detached"));
    events =
        ex -> {
          ex.sendResponseHeaders(200, 0);
          ex.getResponseBody().write(": roam events\n\n".getBytes(UTF8));
        };

    OperationRecord end =
        ClusterOps.untilEnded(client, op("op1", State.RUNNING, 0, "started"), r -> {});

    assertThat(end.state()).isEqualTo(State.DONE);
    assertThat(reads).hasValue(2);
  }
}
