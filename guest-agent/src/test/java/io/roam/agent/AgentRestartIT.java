package io.roam.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roam.agent.checkpoint.CriuCheckpointer;
import io.roam.agent.launch.JobDir;
import io.roam.agent.migration.FaultPoints;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.CuratorGridStore;
import io.roam.store.NodeRegistration;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent process, armed with {@code -Droam.agent.fault}, really dies (the JVM halts) right
 * after real CRIU dumped its job; started again on the same state directory it resumes the job,
 * which counts on with no gap or repeat and has its exit recorded. Needs root and criu.
 */
class AgentRestartIT {
  private static final String SECRET = "grid-agent-secret-0123456789";
  private static final NodeId A = NodeId.of("c1-n1");
  private static final Duration TIMEOUT =
      Duration.ofSeconds(60).multipliedBy(Long.getLong("roam.test.timeScale", 1));
  private static final int LINES = 100;

  @TempDir Path temp;
  private TestingServer zk;
  private CuratorGridStore store;
  private AgentProcesses agents;
  private NodeRegistration other;

  @BeforeEach
  void start() throws Exception {
    Optional<String> missing = Optional.empty();
    if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      missing = Optional.of("it needs root");
    } else if (CriuCheckpointer.locate(System.getenv()).isEmpty()) {
      missing = Optional.of("criu not found");
    }
    if (missing.isPresent()) {
      if (Boolean.getBoolean("roam.requireCriu")) {
        Assertions.fail("agent restart cannot be tested: " + missing.get());
      }
      Assumptions.abort("agent restart cannot be tested: " + missing.get());
    }
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
    if (other != null) {
      other.close();
    }
    if (store != null) {
      store.close();
      zk.close();
    }
  }

  private Process agent(String fault, String log) throws IOException {
    return agents.start(
        A,
        temp.resolve("a"),
        temp.resolve(log),
        fault == null ? List.of() : List.of("-D" + FaultPoints.PROPERTY + "=" + fault),
        "--session-timeout-ms",
        "2000");
  }

  private NodeRecord up() {
    await().atMost(TIMEOUT).until(() -> store.nodes().stream().anyMatch(n -> n.id().equals(A)));
    return store.nodes().stream().filter(n -> n.id().equals(A)).findFirst().orElseThrow();
  }

  private static int post(NodeRecord node, String path, String json) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(node.agentUrl() + path))
            .header("Authorization", "Bearer " + SECRET)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return response.statusCode();
  }

  private List<String> lines(JobRecord job) throws IOException {
    Path out = JobDir.of(temp.resolve("a"), job.id()).stdout();
    return Files.exists(out) ? Files.readAllLines(out) : List.of();
  }

  private JobRecord stored(JobRecord job) {
    return store.job(job.id()).orElseThrow().value();
  }

  @Test
  void anAgentKilledRightAfterTheDumpResumesItsJobWhenItStartsAgain() throws Exception {
    Process first = agent(FaultPoints.Step.SOURCE_AFTER_DUMP.name(), "first.log");
    NodeRecord node = up();
    // A target that is registered but never reached: the agent dies before connecting.
    other =
        store.registerNode(
            new NodeRecord(
                NodeId.of("c2-n1"),
                ClusterId.of("c2"),
                "127.0.0.1",
                1,
                1,
                1L << 30,
                1.0,
                false,
                "t",
                Instant.now(),
                1));
    String count =
        "i=0; while [ $i -lt " + LINES + " ]; do echo $i; i=$((i+1)); sleep 0.05; done; exit 7";
    JobRecord job =
        JobRecord.pending(
            store.nextJobId(), List.of("sh", "-c", count), A, ClusterId.of("c1"), Instant.now());
    store.createJob(job);
    post(
        node,
        "/agent/v1/jobs",
        "{\"job\":\"" + job.id().value() + "\",\"command\":[\"sh\",\"-c\",\"" + count + "\"]}");
    await().atMost(TIMEOUT).until(() -> lines(job).size() >= 10);

    post(
        node,
        "/agent/v1/jobs/" + job.id().value() + "/migrate",
        "{\"target\":\"c2-n1\",\"attempt\":\"k1\"}");

    assertThat(first.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).as("halted by the fault point").isEqualTo(137);
    int frozen = lines(job).size();
    Thread.sleep(500);
    assertThat(lines(job)).as("left stopped by the dump").hasSize(frozen);
    assertThat(stored(job).state()).isEqualTo(JobState.RUNNING);

    agent(null, "second.log");

    await().atMost(TIMEOUT).until(() -> stored(job).state().terminal());
    assertThat(Files.readString(temp.resolve("second.log"))).contains("RESUME");
    assertThat(stored(job).state()).isEqualTo(JobState.EXITED);
    assertThat(stored(job).exitCode()).isEqualTo(7);
    assertThat(stored(job).node()).isEqualTo(A);
    assertThat(stored(job).lastMigration().attempt()).isEqualTo("k1");
    assertThat(stored(job).lastMigration().succeeded()).isFalse();
    assertThat(lines(job))
        .containsExactlyElementsOf(IntStream.range(0, LINES).mapToObj(Integer::toString).toList());
  }
}
