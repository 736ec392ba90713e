package io.roam.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.agent.launch.JobDir;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.CuratorGridStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real agents with balancing on: a slow busy node, and an idle node four times faster. A job
 * started on the slow one, not locked, is passed on before it starts and runs once, on the fast
 * one; its record says where it came from. A locked job stays where it was started.
 */
class ForwardingIT {
  private static final String SECRET = "grid-agent-secret-0123456789";
  private static final NodeId SLOW = NodeId.of("c1-n1");
  private static final NodeId FAST = NodeId.of("c1-n2");
  private static final Duration TIMEOUT =
      Duration.ofSeconds(60).multipliedBy(Long.getLong("roam.test.timeScale", 1));

  @TempDir Path temp;
  private TestingServer zk;
  private CuratorGridStore store;
  private AgentProcesses agents;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    store = TestStores.connect(zk);
    Files.writeString(temp.resolve("secret"), SECRET);
    agents = new AgentProcesses(zk, temp.resolve("secret"));
  }

  @AfterEach
  void stop() throws Exception {
    if (agents != null) {
      agents.close();
    }
    if (store != null) {
      store.close();
      zk.close();
    }
  }

  private void agent(NodeId id, double speed) throws IOException {
    agents.start(
        id,
        temp.resolve(id.value()),
        temp.resolve(id.value() + ".log"),
        List.of(),
        "--speed",
        Double.toString(speed),
        "--balance",
        "--session-timeout-ms",
        "4000");
  }

  private NodeRecord up(NodeId id) {
    await().atMost(TIMEOUT).until(() -> store.nodes().stream().anyMatch(n -> n.id().equals(id)));
    return store.nodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
  }

  private static HttpResponse<String> call(NodeRecord node, String path, String json)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.agentUrl() + path))
            .header("Authorization", "Bearer " + SECRET);
    if (json != null) {
      b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JobRecord launch(NodeRecord node, JobRecord job) throws Exception {
    String body =
        "{\"job\":\""
            + job.id().value()
            + "\",\"command\":"
            + Json.encodeString(job.command())
            + "}";
    HttpResponse<String> r = call(node, "/agent/v1/jobs", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return Json.decode(r.body(), JobRecord.class);
  }

  private JobRecord pending(List<String> command, boolean locked) {
    JobRecord job =
        JobRecord.pending(store.nextJobId(), command, SLOW, ClusterId.of("c1"), Instant.now())
            .withLocked(locked);
    store.createJob(job);
    return job;
  }

  private JobRecord stored(JobRecord job) {
    return store.job(job.id()).orElseThrow().value();
  }

  private List<String> stdout(NodeId node, JobRecord job) throws IOException {
    Path out = JobDir.of(temp.resolve(node.value()), job.id()).stdout();
    return Files.exists(out) ? Files.readAllLines(out) : List.of();
  }

  @Test
  void aJobStartedOnABusySlowNodeRunsOnceOnAnIdleFastOne() throws Exception {
    agent(SLOW, 1.0);
    agent(FAST, 4.0);
    NodeRecord slow = up(SLOW);
    NodeRecord fast = up(FAST);
    // Each answers (a cold node's first answers can be slow; the slow node waits 2 s at most).
    await()
        .atMost(TIMEOUT)
        .until(() -> call(fast, "/agent/v1/load/self", null).statusCode() == 200);
    // The slow node knows the fast one by gossip.
    await()
        .atMost(TIMEOUT)
        .until(() -> call(slow, "/agent/v1/load", null).body().contains(FAST.value()));

    // Busy with a job of its own (one that sleeps: this node's jobs count, runnable or not).
    JobRecord busy = pending(List.of("sleep", "60"), true);
    JobRecord stayed = launch(slow, busy);
    assertThat(stayed.node()).as("a locked job is never passed on").isEqualTo(SLOW);
    assertThat(stayed.forwardedFrom()).isNull();

    JobRecord job = pending(List.of("sh", "-c", "echo started; sleep 60"), false);
    JobRecord started = launch(slow, job);

    assertThat(started.node())
        .as("%s", Files.readString(temp.resolve(SLOW.value() + ".log")))
        .isEqualTo(FAST);
    assertThat(started.home()).isEqualTo(FAST);
    assertThat(started.forwardedFrom()).isEqualTo(SLOW);
    assertThat(started.state()).isEqualTo(JobState.RUNNING);
    await().atMost(TIMEOUT).until(() -> stdout(FAST, job).contains("started"));
    Thread.sleep(2000);
    assertThat(stored(job).state()).isEqualTo(JobState.RUNNING);
    assertThat(stored(job).node()).isEqualTo(FAST);
    assertThat(stored(job).migrations()).isZero();
    assertThat(stdout(FAST, job)).containsExactly("started");
    assertThat(stdout(SLOW, job)).as("never started on the slow node").isEmpty();
    assertThat(Files.exists(JobDir.of(temp.resolve(SLOW.value()), job.id()).stdout().getParent()))
        .isFalse();
    assertThat(Files.readString(temp.resolve(SLOW.value() + ".log")))
        .contains("passed on, not started, to " + FAST.value());
  }
}
