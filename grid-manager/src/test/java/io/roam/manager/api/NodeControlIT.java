package io.roam.manager.api;

import static io.roam.manager.api.ApiFixture.ADMIN;
import static io.roam.manager.api.ApiFixture.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.common.api.ApiPaths;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.OperationRecord;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-job and per-node controls through the real API over a real ZooKeeper, with scripted
 * agents (a migration completes by updating the job's record as the real target would).
 */
class NodeControlIT {
  @TempDir Path state;
  private ApiFixture grid;
  private String alice;
  private String bob;

  @BeforeEach
  void start() throws Exception {
    grid = new ApiFixture(state);
    grid.clusterWithNode("ca", "alice");
    grid.clusterWithNode("cb", "bob");
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 2);
    alice = grid.createToken("{\"name\":\"alice\",\"role\":\"owner\"}");
    bob = grid.createToken("{\"name\":\"bob\",\"role\":\"owner\"}");
  }

  @AfterEach
  void stop() throws Exception {
    grid.close();
  }

  private JobRecord run(String token, String node, boolean locked) throws Exception {
    String body =
        Json.encodeString(
            Map.of("command", List.of("sleep", "600"), "node", node, "locked", locked));
    HttpResponse<String> r = grid.call("POST", ApiPaths.JOBS, body, token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.decode(r.body(), JobRecord.class);
  }

  private JobRecord stored(JobId id) {
    return grid.store.job(id).orElseThrow().value();
  }

  @Test
  void anOwnerLocksAndUnlocksTheirJobAndNoOneElseMay() throws Exception {
    JobRecord job = run(alice, "ca-n1", true);
    assertThat(job.locked()).isTrue();
    assertThat(stored(job.id()).locked()).isTrue();
    String id = job.id().value();

    assertProblem(grid.call("POST", ApiPaths.jobUnlock(id), null, bob), 403, "is not yours");
    assertThat(stored(job.id()).locked()).isTrue();

    HttpResponse<String> unlocked = grid.call("POST", ApiPaths.jobUnlock(id), null, alice);
    assertThat(unlocked.statusCode()).as(unlocked.body()).isEqualTo(200);
    assertThat(Json.decode(unlocked.body(), JobRecord.class).locked()).isFalse();
    assertThat(stored(job.id()).locked()).isFalse();
    assertThat(grid.call("GET", ApiPaths.job(id), null, alice).body()).doesNotContain("locked");

    HttpResponse<String> locked = grid.call("POST", ApiPaths.jobLock(id), null, ADMIN);
    assertThat(locked.statusCode()).as(locked.body()).isEqualTo(200);
    assertThat(grid.call("GET", ApiPaths.job(id), null, alice).body()).contains("\"locked\":true");

    assertProblem(grid.call("POST", ApiPaths.jobLock("j999"), null, alice), 404, "unknown job");
    grid.call("POST", ApiPaths.jobKill(id), null, alice);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored(job.id()).state().terminal());
    assertProblem(grid.call("POST", ApiPaths.jobUnlock(id), null, alice), 409, "already ended");
    assertThat(stored(job.id()).locked()).isTrue();
  }

  private HttpResponse<String> flags(String node, String body, String token) throws Exception {
    return grid.call("POST", ApiPaths.nodeFlags(node), body, token);
  }

  @Test
  void aBlockedNodeRefusesGuestsWithTheReasonAndOnlyItsOwnerSetsIt() throws Exception {
    HttpResponse<String> blocked = flags("ca-n1", "{\"block\":true}", alice);
    assertThat(blocked.statusCode()).as(blocked.body()).isEqualTo(200);
    assertThat(grid.call("GET", ApiPaths.NODES + "/ca-n1", null, bob).body())
        .contains("\"block\":true")
        .doesNotContain("\"stay\"");

    // Bob owns cb, not ca: refused, and nothing changes.
    assertProblem(flags("ca-n1", "{\"block\":false}", bob), 403, "owned by 'alice'");
    assertThat(grid.manager.view().node(io.roam.common.id.NodeId.of("ca-n1"))).isPresent();
    assertThat(grid.call("GET", ApiPaths.NODES + "/ca-n1", null, bob).body())
        .contains("\"block\":true");
    assertProblem(flags("ca-n1", "{}", alice), 400, "at least one");
    assertProblem(flags("zz-n9", "{\"stay\":true}", ADMIN), 404, "unknown node");

    // A guest is refused with the reason; a job of ca-n1 comes home all the same.
    JobRecord guest = run(bob, "cb-n1", false);
    assertProblem(
        grid.call("POST", ApiPaths.jobMigrate(guest.id().value()), "{\"target\":\"ca-n1\"}", bob),
        409,
        "node ca-n1 is blocked");
    assertThat(stored(guest.id()).node().value()).isEqualTo("cb-n1");
    JobRecord own = run(alice, "ca-n1", false);
    grid.store.updateJob(own.id(), j -> j.movedTo(io.roam.common.id.NodeId.of("cb-n1"), null));
    HttpResponse<String> home =
        grid.call("POST", ApiPaths.jobMigrate(own.id().value()), "{\"target\":\"home\"}", alice);
    assertThat(home.statusCode()).as(home.body()).isEqualTo(202);

    // The flags live in their own znode: they outlive the node's registration.
    assertThat(
            grid.store
                .client()
                .checkExists()
                .forPath(
                    new io.roam.common.zk.ZkLayout("t")
                        .nodeFlags(io.roam.common.id.NodeId.of("ca-n1"))))
        .isNotNull();
    HttpResponse<String> stay = flags("ca-n1", "{\"stay\":true,\"block\":false}", ADMIN);
    assertThat(stay.statusCode()).as(stay.body()).isEqualTo(200);
    assertThat(stay.body()).contains("\"stay\":true", "\"block\":false");
  }

  private JobRecord runAt(String token, String home, String at, boolean locked) throws Exception {
    JobRecord job = run(token, home, locked);
    if (!home.equals(at)) {
      grid.store.updateJob(job.id(), j -> j.movedTo(NodeId.of(at), null));
    }
    return job;
  }

  private OperationRecord awaitDone(OperationRecord op) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                grid.store.operation(op.id()).orElseThrow().value().state()
                    != OperationRecord.State.RUNNING);
    return grid.store.operation(op.id()).orElseThrow().value();
  }

  @Test
  void expelSendsGuestsHomeAndBringCallsTheNodesJobsBack() throws Exception {
    grid.node("ca", "alice", 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 3);
    grid.migrationsComplete = true;
    JobRecord bobs = runAt(bob, "cb-n1", "ca-n1", true);
    JobRecord fromN2 = runAt(alice, "ca-n2", "ca-n1", false);
    JobRecord own = runAt(alice, "ca-n1", "ca-n1", false);

    assertProblem(grid.call("POST", ApiPaths.nodeExpel("ca-n1"), null, bob), 403, "alice");
    assertThat(grid.store.operations()).isEmpty();

    HttpResponse<String> started = grid.call("POST", ApiPaths.nodeExpel("ca-n1"), null, alice);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    OperationRecord expel = Json.decode(started.body(), OperationRecord.class);
    assertThat(expel.kind()).isEqualTo(OperationRecord.Kind.EXPEL);
    assertThat(expel.node()).isEqualTo(NodeId.of("ca-n1"));
    assertProblem(grid.call("POST", ApiPaths.nodeBring("ca-n1"), null, alice), 409, "under way");

    OperationRecord done = awaitDone(expel);
    assertThat(done.state()).as(done.message()).isEqualTo(OperationRecord.State.DONE);
    assertThat(done.items()).hasSize(2);
    // The lock keeps balancing away, not an expel: nothing is stranded.
    assertThat(stored(bobs.id()).node()).isEqualTo(NodeId.of("cb-n1"));
    assertThat(stored(bobs.id()).locked()).isTrue();
    assertThat(stored(fromN2.id()).node()).isEqualTo(NodeId.of("ca-n2"));
    assertThat(stored(own.id()).node()).isEqualTo(NodeId.of("ca-n1"));

    grid.store.updateJob(own.id(), j -> j.movedTo(NodeId.of("cb-n1"), null));
    JobRecord second = runAt(alice, "ca-n1", "ca-n2", true);
    HttpResponse<String> bring = grid.call("POST", ApiPaths.nodeBring("ca-n1"), null, alice);
    assertThat(bring.statusCode()).as(bring.body()).isEqualTo(202);
    OperationRecord brought = awaitDone(Json.decode(bring.body(), OperationRecord.class));
    assertThat(brought.state()).as(brought.message()).isEqualTo(OperationRecord.State.DONE);
    assertThat(stored(own.id()).node()).isEqualTo(NodeId.of("ca-n1"));
    assertThat(stored(second.id()).node()).isEqualTo(NodeId.of("ca-n1"));
    assertThat(stored(bobs.id()).node()).isEqualTo(NodeId.of("cb-n1"));

    assertProblem(grid.call("POST", ApiPaths.nodeExpel("zz-n1"), null, ADMIN), 404, "unknown");
  }

  @Test
  void flagsOutliveTheNodesRegistrationAndItsOwnerKeepsThem() throws Exception {
    io.roam.store.CuratorGridStore agent =
        io.roam.store.CuratorGridStore.connect(
            grid.zk.getConnectString(),
            new io.roam.common.zk.ZkLayout("t"),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10));
    io.roam.common.model.NodeRecord n5 =
        new io.roam.common.model.NodeRecord(
            NodeId.of("ca-n5"),
            io.roam.common.id.ClusterId.of("ca"),
            "127.0.0.1",
            grid.agent.actualPort(),
            2,
            1L << 30,
            1.0,
            false,
            "t",
            java.time.Instant.now(),
            0);
    io.roam.store.NodeRegistration registration = agent.registerNode(n5);
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 3);
    assertThat(flags("ca-n5", "{\"stay\":true,\"block\":true}", alice).statusCode()).isEqualTo(200);

    // The agent goes away: its registration with it, not the flags.
    registration.close();
    agent.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> grid.manager.view().nodes().size() == 2);
    assertProblem(flags("ca-n5", "{\"block\":false}", bob), 403, "owned by 'alice'");
    HttpResponse<String> kept = flags("ca-n5", "{\"stay\":false}", alice);
    assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
    assertThat(kept.body()).contains("\"block\":true", "\"stay\":false");

    // It comes back, flagged as it was left.
    grid.store.registerNode(n5);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> grid.call("GET", ApiPaths.NODES + "/ca-n5", null, alice).statusCode() == 200);
    assertThat(grid.call("GET", ApiPaths.NODES + "/ca-n5", null, alice).body())
        .contains("\"block\":true")
        .doesNotContain("\"stay\"");
  }
}
