package io.roam.manager.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.NodeRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The manager's patience with a slow agent, against a real HTTP server that answers late. */
class AgentClientTimeoutIT {
  private static final String SECRET = "test-agent-secret-0123456789";
  private static final long ANSWER_AFTER_MS = 2500;

  private HttpServer slowAgent;
  private NodeRecord node;

  @BeforeEach
  void start() throws Exception {
    slowAgent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    slowAgent.createContext(
        "/",
        exchange -> {
          try {
            Thread.sleep(ANSWER_AFTER_MS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = "late\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    slowAgent.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    slowAgent.start();
    node =
        new NodeRecord(
            NodeId.of("c1-n1"),
            ClusterId.of("c1"),
            "127.0.0.1",
            slowAgent.getAddress().getPort(),
            1,
            1L << 30,
            1.0,
            false,
            "t",
            Instant.now(),
            0);
  }

  @AfterEach
  void stop() {
    slowAgent.stop(0);
  }

  @Test
  void aSlowAgentIsGivenUpOnAfterTheTimeoutWithAReasonThatSaysWhatToChange() {
    AgentClient impatient = new AgentClient(SECRET, Duration.ofSeconds(1));

    assertThatThrownBy(() -> impatient.logs(node, JobId.of("j1"), "stdout", 0))
        .isInstanceOf(AgentUnreachableException.class)
        .hasMessageContaining("node c1-n1 did not answer within 1 s")
        .hasMessageContaining("--agent-timeout");
  }

  @Test
  void aLongerTimeoutWaitsForTheSameAgent() {
    AgentClient patient = new AgentClient(SECRET, Duration.ofSeconds(10));

    AgentClient.LogChunk chunk = patient.logs(node, JobId.of("j1"), "stdout", 0);

    assertThat(new String(chunk.bytes(), StandardCharsets.UTF_8)).isEqualTo("late\n");
  }

  @Test
  void aTimeoutMustBePositive() {
    assertThatThrownBy(() -> new AgentClient(SECRET, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }
}
