package io.roam.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.manager.Manager;
import io.roam.store.CuratorGridStore;
import io.roam.web.BearerAuth;
import io.roam.web.HttpServers;
import io.roam.web.Problems;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.test.TestingServer;

/**
 * A manager on a real port over a real ZooKeeper, with an agent stand-in that starts every job it
 * is sent (records it RUNNING), or refuses it as scripted by {@link #refuseWith}, and kills on
 * request (records it KILLED). Nodes are registered in the store as the real agent would.
 */
final class ApiFixture implements AutoCloseable {
  static final String ADMIN = "test-admin-token-0123456789";
  static final String SECRET = "test-agent-secret-0123456789";

  final TestingServer zk;
  final Manager manager;

  /** The agents' side of ZooKeeper (their node registrations live in its session). */
  CuratorGridStore store;

  final Vertx vertx;
  final HttpServer agent;
  final HttpClient http = HttpClient.newHttpClient();

  /**
   * What the stand-in answers to a launch: null accepts it; a status refuses it with that status
   * (422 also records the job FAILED, as an agent that could not start it does).
   */
  final AtomicReference<Integer> refuseWith = new AtomicReference<>();

  /** Whether the next log read finds the files just gone home (404, the record updated). */
  final java.util.concurrent.atomic.AtomicBoolean filesLeave =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Whether a migration request completes (the job's record moves, as a real target records). */
  volatile boolean migrationsComplete;

  ApiFixture(Path state) throws Exception {
    zk = new TestingServer();
    manager =
        new Manager(
                new Manager.Settings(
                    "t",
                    zk.getConnectString(),
                    0,
                    state,
                    "127.0.0.1",
                    0,
                    Set.of(BearerAuth.sha256(ADMIN)),
                    SECRET,
                    Duration.ofSeconds(5)))
            .start();
    store =
        CuratorGridStore.connect(
            zk.getConnectString(),
            new ZkLayout("t"),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(BearerAuth.single(SECRET, "manager"));
    router.route().handler(BodyHandler.create());
    router
        .post(ApiPaths.AGENT_JOBS)
        .blockingHandler(
            ctx -> {
              AgentLaunchRequest req =
                  Json.decode(ctx.body().buffer().getBytes(), AgentLaunchRequest.class);
              Integer refusal = refuseWith.get();
              if (refusal != null) {
                if (refusal == 422) {
                  store.updateJob(
                      req.job(),
                      j ->
                          j.ended(
                              io.roam.common.model.JobState.FAILED,
                              "scripted refusal",
                              Instant.now()));
                }
                Problems.send(ctx, refusal, "scripted refusal");
                return;
              }
              JobRecord started = store.updateJob(req.job(), j -> j.started(Instant.now()));
              ctx.response().setStatusCode(201).end(Buffer.buffer(Json.encode(started)));
            });
    router
        .post(ApiPaths.AGENT_JOBS + "/:job/kill")
        .blockingHandler(
            ctx -> {
              store.updateJob(
                  io.roam.common.id.JobId.of(ctx.pathParam("job")),
                  j ->
                      j.ended(
                          io.roam.common.model.JobState.KILLED,
                          "killed on request",
                          Instant.now()));
              ctx.response().setStatusCode(202).end();
            });
    router
        .get(ApiPaths.AGENT_LOAD)
        .handler(
            ctx ->
                ctx.response()
                    .end(
                        "[{\"node\":\"ca-n1\",\"runnable\":0.0,\"jobs\":0,\"speed\":1.0,"
                            + "\"freeMemoryBytes\":1,\"totalMemoryBytes\":2,\"age\":0}]"));
    router
        .post(ApiPaths.AGENT_JOBS + "/:job/migrate")
        .blockingHandler(
            ctx -> {
              if (migrationsComplete) {
                io.roam.common.api.AgentMigrateRequest req =
                    Json.decode(
                        ctx.body().buffer().getBytes(),
                        io.roam.common.api.AgentMigrateRequest.class);
                store.updateJob(
                    io.roam.common.id.JobId.of(ctx.pathParam("job")),
                    j ->
                        j.movedTo(
                            req.target(),
                            new io.roam.common.model.MigrationOutcome(
                                req.attempt(),
                                j.node(),
                                req.target(),
                                true,
                                Instant.now(),
                                Instant.now(),
                                10,
                                20,
                                1000,
                                null)));
              }
              ctx.response().setStatusCode(202).end("{}");
            });
    router
        .post(ApiPaths.AGENT_JOBS + "/:job/checkpoint")
        .blockingHandler(
            ctx -> {
              JobRecord kept =
                  store.updateJob(
                      JobId.of(ctx.pathParam("job")),
                      j ->
                          j.withCheckpoint(
                              new io.roam.common.model.JobCheckpoint(
                                  j.home(), Instant.parse("2026-01-01T00:00:00Z"), 4096)));
              ctx.response().setStatusCode(200).end(Buffer.buffer(Json.encode(kept)));
            });
    router
        .get(ApiPaths.AGENT_JOBS + "/:job/logs")
        .blockingHandler(
            ctx -> {
              if (filesLeave.getAndSet(false)) {
                // The files go home just as the manager asks where the job ended.
                store.updateJob(
                    JobId.of(ctx.pathParam("job")), j -> j.filesReturnedHome(Instant.now()));
                Problems.send(ctx, 404, "job has no files on this node");
                return;
              }
              ctx.response()
                  .putHeader(ApiPaths.NEXT_OFFSET_HEADER, "6")
                  .putHeader(ApiPaths.JOB_STATE_HEADER, "ENDED")
                  .end(Buffer.buffer("hello\n"));
            });
    agent = HttpServers.listen(vertx, router, "127.0.0.1", 0);
  }

  /** A cluster owned by {@code owner} with one live node {@code <cluster>-n1}. */
  NodeId clusterWithNode(String cluster, String owner) {
    return node(cluster, owner, 1);
  }

  /** Live node {@code <cluster>-n<n>} of a cluster owned by {@code owner} (created if new). */
  NodeId node(String cluster, String owner, int n) {
    store.ensureCluster(
        new ClusterRecord(ClusterId.of(cluster), owner, ClusterState.ATTACHED, Instant.now()));
    NodeId node = NodeId.of(cluster + "-n" + n);
    registerNode(node.value(), cluster, agent.actualPort());
    return node;
  }

  /** Registers a live node of {@code cluster} whose agent listens on {@code port}. */
  void registerNode(String id, String cluster, int port) {
    store.registerNode(
        new NodeRecord(
            NodeId.of(id),
            ClusterId.of(cluster),
            "127.0.0.1",
            port,
            2,
            1L << 30,
            1.0,
            false,
            "t",
            Instant.now(),
            0));
  }

  /** Ends the agents' session, so that every node they registered leaves; reconnects after. */
  void dropNodes() throws Exception {
    store.close();
    store =
        CuratorGridStore.connect(
            zk.getConnectString(),
            new ZkLayout("t"),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10));
  }

  HttpResponse<String> call(String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(manager.url() + path))
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Creates a token as the admin from this request body; the token to present. */
  String createToken(String body) throws Exception {
    HttpResponse<String> r = call("POST", RestApi.TOKENS, body, ADMIN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.mapper().readTree(r.body()).get("token").asText();
  }

  /** A refusal: this status, a problem+json body, and the reason in it. */
  static void assertProblem(HttpResponse<String> r, int status, String reason) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(r.body()).contains(reason);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
    store.close();
    manager.close();
    zk.close();
  }
}
