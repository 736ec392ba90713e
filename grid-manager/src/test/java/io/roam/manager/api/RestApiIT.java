package io.roam.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.common.api.ApiPaths;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.OperationRecord;
import io.roam.store.CuratorGridStore;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API on a real port, over a real ZooKeeper. The agent behind it is {@link ApiFixture}'s
 * scripted stand-in, so that refusals and unreachable nodes can be injected; the real agent path is
 * covered by the system tests.
 */
class RestApiIT {
  private static final String TOKEN = ApiFixture.ADMIN;

  @TempDir Path state;
  private ApiFixture grid;
  private CuratorGridStore agentSide;

  @BeforeEach
  void start() throws Exception {
    grid = new ApiFixture(state);
    grid.clusterWithNode("c1", "admin");
    agentSide = grid.store;
  }

  @AfterEach
  void stop() throws Exception {
    grid.close();
  }

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    return grid.call(method, path, body, TOKEN);
  }

  private HttpResponse<String> call(String method, String path, String body, String token)
      throws Exception {
    return grid.call(method, path, body, token);
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
    grid.refuseWith.set(422);

    HttpResponse<String> run = call("POST", ApiPaths.JOBS, "{\"command\":[\"nosuch\"]}");

    assertThat(run.statusCode()).isEqualTo(422);
    assertThat(run.body()).contains("scripted refusal");
    JobRecord job = agentSide.jobs().get(0);
    assertThat(job.state()).isEqualTo(JobState.FAILED);
  }

  @Test
  void anAgentThatFailsOrCannotBeReachedLeavesAFailedRecordNotALostJob() throws Exception {
    grid.refuseWith.set(500);
    HttpResponse<String> broken = call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}");
    assertThat(broken.statusCode()).isEqualTo(502);

    grid.registerNode("c1-n2", "c1", 1);
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
  void logsAreReadWhereTheJobEndedUntilItsFilesReturnHomeThenAtHome() throws Exception {
    JobRecord job =
        Json.decode(
            call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}").body(), JobRecord.class);
    // It ended on c1-n2, which is down now (nothing answers on its port).
    grid.registerNode("c1-n2", "c1", 1);
    agentSide.updateJob(
        job.id(), j -> j.movedTo(NodeId.of("c1-n2"), null).exited(0, Instant.now()));

    HttpResponse<String> away = call("GET", ApiPaths.jobLogs(job.id().value()), null);
    assertThat(away.statusCode()).isEqualTo(502);
    assertThat(away.body()).contains("c1-n2");

    agentSide.updateJob(job.id(), j -> j.filesReturnedHome(Instant.now()));
    HttpResponse<String> home = call("GET", ApiPaths.jobLogs(job.id().value()), null);
    assertThat(home.statusCode()).as(home.body()).isEqualTo(200);
    assertThat(home.body()).isEqualTo("hello\n");
    assertThat(home.headers().firstValue(ApiPaths.JOB_STATE_HEADER)).contains("EXITED");
  }

  @Test
  void logsOfFilesThatGoHomeWhileBeingAskedForAreReadAtHome() throws Exception {
    JobRecord job =
        Json.decode(
            call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}").body(), JobRecord.class);
    // It ended on c1-n2, served by the same stand-in agent here.
    grid.registerNode("c1-n2", "c1", grid.agent.actualPort());
    agentSide.updateJob(
        job.id(), j -> j.movedTo(NodeId.of("c1-n2"), null).exited(0, Instant.now()));
    grid.filesLeave.set(true);

    HttpResponse<String> logs = call("GET", ApiPaths.jobLogs(job.id().value()), null);

    assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);
    assertThat(logs.body()).isEqualTo("hello\n");
    assertThat(grid.filesLeave.get()).isFalse();
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
    grid.dropNodes();
    agentSide = grid.store;
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> agentSide.nodes().isEmpty());

    HttpResponse<String> run = call("POST", ApiPaths.JOBS, "{\"command\":[\"true\"]}");

    assertThat(run.statusCode()).isEqualTo(503);
    assertThat(run.body()).contains("no node is up");
  }

  @Test
  void jobsAreListedByTheirClusterHomeOrNode() throws Exception {
    grid.clusterWithNode("c2", "admin");
    JobRecord stays = run("c1-n1");
    JobRecord guest = run("c2-n1");
    // As a finished migration leaves it: a job of c2 running on c1.
    agentSide.updateJob(guest.id(), j -> j.movedTo(NodeId.of("c1-n1"), null));
    JobRecord other = run("c2-n1");

    assertThat(ids("?cluster=c1")).containsExactly(stays.id().value(), guest.id().value());
    assertThat(ids("?cluster=c2")).containsExactly(guest.id().value(), other.id().value());
    assertThat(ids("?home=c2")).containsExactly(guest.id().value(), other.id().value());
    assertThat(ids("?home=c2&node=c1-n1")).containsExactly(guest.id().value());
    assertThat(ids("?cluster=c1&state=running&limit=1&offset=1"))
        .containsExactly(guest.id().value());
    assertThat(ids("?cluster=c9")).isEmpty();
    HttpResponse<String> bad = call("GET", ApiPaths.JOBS + "?cluster=Not%20a%20cluster", null);
    assertThat(bad.statusCode()).isEqualTo(400);
  }

  @Test
  void listingsReadWhileTheGridChangesAreWholeAndEndCurrent() throws Exception {
    // Many listings are sent from one shared buffer while the grid changes: each change drops the
    // kept listing while responses may still be sending it. Every answer must stay whole.
    int count = 300;
    Instant now = Instant.now();
    java.util.List<JobId> ids = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      JobId id = JobId.ofNumber(1_000_001L + i);
      ids.add(id);
      agentSide.createJob(
          JobRecord.pending(
                  id,
                  java.util.List.of("true"),
                  NodeId.of("c1-n1"),
                  io.roam.common.id.ClusterId.of("c1"),
                  now)
              .ownedBy("admin"));
    }
    String all = ApiPaths.JOBS + "?limit=" + count;
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> grid.manager.view().jobCount() == count);

    java.util.concurrent.atomic.AtomicBoolean writing =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread writer =
        new Thread(
            () -> {
              for (int i = 0; i < 60; i++) {
                agentSide.updateJob(ids.get(i), j -> j.started(Instant.now()));
              }
              writing.set(false);
            });
    java.util.concurrent.ExecutorService readers =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    java.util.List<java.util.concurrent.Future<Integer>> reads = new java.util.ArrayList<>();
    writer.start();
    for (int r = 0; r < 4; r++) {
      reads.add(
          readers.submit(
              () -> {
                int n = 0;
                while (writing.get() || n < 20) {
                  HttpResponse<String> page = call("GET", all, null);
                  assertThat(page.statusCode()).isEqualTo(200);
                  com.fasterxml.jackson.databind.JsonNode body =
                      Json.mapper().readTree(page.body());
                  assertThat(body.get("items").size()).isEqualTo(count);
                  assertThat(body.get("total").asInt()).isEqualTo(count);
                  n++;
                }
                return n;
              }));
    }
    writer.join(30_000);
    for (java.util.concurrent.Future<Integer> read : reads) {
      assertThat(read.get(60, java.util.concurrent.TimeUnit.SECONDS)).isGreaterThanOrEqualTo(20);
    }
    readers.shutdown();

    // Once the view has the last write, the listing shows it (no answer of an earlier state kept).
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> call("GET", all, null).body().split("\"RUNNING\"", -1).length - 1 == 60);
  }

  private JobRecord run(String node) throws Exception {
    HttpResponse<String> r =
        call("POST", ApiPaths.JOBS, "{\"command\":[\"sleep\",\"9\"],\"node\":\"" + node + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.decode(r.body(), JobRecord.class);
  }

  private java.util.List<String> ids(String query) throws Exception {
    // The listing answers from the read model: wait until it shows the direct write above.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                grid.manager.view().jobs().stream()
                    .allMatch(
                        e ->
                            agentSide
                                .job(e.job().id())
                                .map(v -> v.value().node().equals(e.job().node()))
                                .orElse(true)));
    HttpResponse<String> r = call("GET", ApiPaths.JOBS + query, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    java.util.List<String> ids = new java.util.ArrayList<>();
    Json.mapper().readTree(r.body()).get("items").forEach(j -> ids.add(j.get("id").asText()));
    return ids;
  }

  @Test
  void anOperationsParallelismIsCheckedThenKeptInItsRecord() throws Exception {
    for (String bad : List.of("{\"parallel\":0}", "{\"parallel\":65}", "{\"parallel\":\"x\"}")) {
      for (String path :
          List.of(
              ApiPaths.clusterDetach("c1"),
              ApiPaths.clusterAttach("c1"),
              ApiPaths.nodeExpel("c1-n1"),
              ApiPaths.nodeBring("c1-n1"))) {
        HttpResponse<String> r = call("POST", path, bad);
        assertThat(r.statusCode()).as(path + " " + bad + ": " + r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(r.body()).contains("parallel");
      }
    }
    assertThat(agentSide.operations()).isEmpty();

    HttpResponse<String> expel = call("POST", ApiPaths.nodeExpel("c1-n1"), "{\"parallel\":3}");
    assertThat(expel.statusCode()).as(expel.body()).isEqualTo(202);
    OperationRecord op = Json.decode(expel.body(), OperationRecord.class);
    assertThat(op.parallel()).isEqualTo(3);
    assertThat(agentSide.operation(op.id()).orElseThrow().value().parallel()).isEqualTo(3);
    await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () ->
                agentSide.operation(op.id()).orElseThrow().value().state()
                    != OperationRecord.State.RUNNING);

    // Without a body: the manager's configured number, written into the record.
    HttpResponse<String> detach = call("POST", ApiPaths.clusterDetach("c1"), null);
    assertThat(detach.statusCode()).as(detach.body()).isEqualTo(202);
    assertThat(Json.decode(detach.body(), OperationRecord.class).parallel())
        .isEqualTo(io.roam.manager.Manager.MIGRATIONS_AT_ONCE);
  }
}
