package io.roam.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API on a real port, over a real ZooKeeper. The agent behind it is a scripted stand-in,
 * so that refusals and unreachable nodes can be injected; the real agent path is covered by the
 * system tests.
 */
class RestApiIT {
  private static final String TOKEN = "test-admin-token-0123456789";
  private static final String SECRET = "test-agent-secret-0123456789";

  @TempDir Path state;
  private TestingServer zk;
  private Manager manager;
  private CuratorGridStore agentSide;
  private Vertx vertx;
  private HttpServer fakeAgent;
  private final HttpClient http = HttpClient.newHttpClient();

  /** What the fake agent answers to a launch: null = accept (and record RUNNING). */
  private final AtomicReference<Integer> refuseWith = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
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
                    Set.of(BearerAuth.sha256(TOKEN)),
                    SECRET,
                    Duration.ofSeconds(5)))
            .start();
    agentSide =
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
                  agentSide.updateJob(
                      req.job(), j -> j.ended(JobState.FAILED, "scripted refusal", Instant.now()));
                }
                Problems.send(ctx, refusal, "scripted refusal");
                return;
              }
              JobRecord started = agentSide.updateJob(req.job(), j -> j.started(Instant.now()));
              ctx.response().setStatusCode(201).end(Buffer.buffer(Json.encode(started)));
            });
    router
        .post(ApiPaths.AGENT_JOBS + "/:job/checkpoint")
        .blockingHandler(
            ctx -> {
              JobRecord kept =
                  agentSide.updateJob(
                      JobId.of(ctx.pathParam("job")),
                      j ->
                          j.withCheckpoint(
                              new io.roam.common.model.JobCheckpoint(
                                  j.home(), Instant.parse("2026-01-01T00:00:00Z"), 4096)));
              ctx.response().setStatusCode(200).end(Buffer.buffer(Json.encode(kept)));
            });
    fakeAgent = HttpServers.listen(vertx, router, "127.0.0.1", 0);
    agentSide.registerNode(node("c1-n1", fakeAgent.actualPort()));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
    agentSide.close();
    manager.close();
    zk.close();
  }

  private static NodeRecord node(String id, int port) {
    return new NodeRecord(
        NodeId.of(id),
        ClusterId.of("c1"),
        "127.0.0.1",
        port,
        2,
        1L << 30,
        1.0,
        false,
        "t",
        Instant.now(),
        0);
  }

  private HttpResponse<String> call(String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(manager.url() + path))
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

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    return call(method, path, body, TOKEN);
  }

  @Test
  void everyRouteNeedsAValidToken() throws Exception {
    HttpResponse<String> none = call("GET", ApiPaths.JOBS, null, null);
    HttpResponse<String> wrong = call("GET", ApiPaths.JOBS, null, "nope");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("unknown or revoked token");
    assertThat(call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}", "nope").statusCode())
        .isEqualTo(401);
    assertThat(agentSide.jobs()).isEmpty();
  }

  @Test
  void aJobIsRegisteredThenStartedOnItsNode() throws Exception {
    HttpResponse<String> run = call("POST", ApiPaths.JOBS, "{\"command\":[\"sleep\",\"5\"]}");

    assertThat(run.statusCode()).as(run.body()).isEqualTo(201);
    JobRecord job = Json.decode(run.body(), JobRecord.class);
    assertThat(job.state()).isEqualTo(JobState.RUNNING);
    assertThat(job.node()).isEqualTo(NodeId.of("c1-n1"));
    assertThat(call("GET", ApiPaths.job(job.id().value()), null).body()).contains("\"RUNNING\"");
    assertThat(call("GET", ApiPaths.JOBS + "?state=running", null).body()).contains("\"total\":1");
    assertThat(call("GET", ApiPaths.JOBS + "?state=exited", null).body()).contains("\"total\":0");
  }

  @Test
  void badRequestsAreRefusedWithTheReasonAndChangeNothing() throws Exception {
    assertThat(call("POST", ApiPaths.JOBS, "{\"command\":[]}").body()).contains("command is empty");
    assertThat(call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"],\"nod\":\"x\"}").body())
        .contains("unknown field 'nod'");
    assertThat(call("POST", ApiPaths.JOBS, "not json").statusCode()).isEqualTo(400);
    assertThat(call("POST", ApiPaths.JOBS, "").statusCode()).isEqualTo(400);
    HttpResponse<String> unknownNode =
        call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"],\"node\":\"c9-n9\"}");
    assertThat(unknownNode.statusCode()).isEqualTo(404);
    assertThat(call("GET", ApiPaths.job("j424242"), null).statusCode()).isEqualTo(404);
    assertThat(call("GET", ApiPaths.job("nope"), null).statusCode()).isEqualTo(400);
    assertThat(call("GET", ApiPaths.JOBS + "?limit=0", null).statusCode()).isEqualTo(400);
    assertThat(call("GET", ApiPaths.JOBS + "?state=sleeping", null).body())
        .contains("state must be one of");
    assertThat(call("GET", ApiPaths.API + "/nothing", null).statusCode()).isEqualTo(404);
    assertThat(agentSide.jobs()).isEmpty();
  }

  @Test
  void aRefusalByTheAgentIsAnsweredAndRecordedOnTheJob() throws Exception {
    refuseWith.set(422);

    HttpResponse<String> run = call("POST", ApiPaths.JOBS, "{\"command\":[\"nosuch\"]}");

    assertThat(run.statusCode()).isEqualTo(422);
    assertThat(run.body()).contains("scripted refusal");
    JobRecord job = agentSide.jobs().get(0);
    assertThat(job.state()).isEqualTo(JobState.FAILED);
  }

  @Test
  void anAgentThatFailsOrCannotBeReachedLeavesAFailedRecordNotALostJob() throws Exception {
    refuseWith.set(500);
    HttpResponse<String> broken = call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}");
    assertThat(broken.statusCode()).isEqualTo(502);

    agentSide.registerNode(node("c1-n2", 1));
    HttpResponse<String> unreachable =
        call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"],\"node\":\"c1-n2\"}");
    assertThat(unreachable.statusCode()).isEqualTo(502);
    assertThat(unreachable.body()).contains("node c1-n2 did not answer");

    assertThat(agentSide.jobs())
        .hasSize(2)
        .allSatisfy(
            j -> {
              assertThat(j.state()).isEqualTo(JobState.FAILED);
              assertThat(j.reason()).isNotBlank();
            });
  }

  @Test
  void killingAnEndedJobIsAConflict() throws Exception {
    JobRecord job =
        Json.decode(
            call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}").body(), JobRecord.class);
    agentSide.updateJob(job.id(), j -> j.exited(0, Instant.now()));

    HttpResponse<String> kill = call("POST", ApiPaths.jobKill(job.id().value()), null);

    assertThat(kill.statusCode()).isEqualTo(409);
    assertThat(kill.body()).contains("has already ended (EXITED)");
    assertThat(agentSide.job(JobId.of(job.id().value())).orElseThrow().value().state())
        .isEqualTo(JobState.EXITED);
  }

  @Test
  void aCheckpointIsAskedOfTheJobsNodeAndOnlyARunningJobHasOne() throws Exception {
    JobRecord job =
        Json.decode(
            call(
                    "POST",
                    ApiPaths.JOBS,
                    "{\"command\":[\"sleep\",\"60\"],\"checkpointEverySeconds\":30}")
                .body(),
            JobRecord.class);
    assertThat(job.checkpointEverySeconds()).isEqualTo(30L);

    HttpResponse<String> bad =
        call("POST", ApiPaths.jobCheckpoint(job.id().value()) + "?wait=maybe", null);
    HttpResponse<String> kept =
        call("POST", ApiPaths.jobCheckpoint(job.id().value()) + "?wait=true", null);

    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
    JobRecord after = Json.decode(kept.body(), JobRecord.class);
    assertThat(after.checkpoint().keptOn()).isEqualTo(NodeId.of("c1-n1"));
    assertThat(after.checkpoint().takenAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));

    agentSide.updateJob(job.id(), j -> j.exited(0, Instant.now()));
    HttpResponse<String> ended = call("POST", ApiPaths.jobCheckpoint(job.id().value()), null);
    assertThat(ended.statusCode()).isEqualTo(409);
    assertThat(ended.body()).contains("only running jobs are checkpointed");
    HttpResponse<String> tooOften =
        call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"],\"checkpointEverySeconds\":1}");
    assertThat(tooOften.statusCode()).isEqualTo(400);
    assertThat(tooOften.body()).contains("checkpointEverySeconds must be between 5 and 604800");
  }

  @Test
  void withoutNodesThereIsNoWhereToRun() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get();
    agentSide.close();
    agentSide =
        CuratorGridStore.connect(
            zk.getConnectString(),
            new ZkLayout("t"),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> agentSide.nodes().isEmpty());
    vertx = Vertx.vertx();

    HttpResponse<String> run = call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}");

    assertThat(run.statusCode()).isEqualTo(503);
    assertThat(run.body()).contains("no node is up");
  }
}
