package io.roam.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  private static AgentConfig withTransferTimeout(Duration timeout) {
    return config(timeout, AgentConfig.GOSSIP_WINDOW);
  }

  private static AgentConfig config(Duration timeout, int gossipWindow) {
    return new AgentConfig(
        NodeId.of("c1-n1"),
        ClusterId.of("c1"),
        "127.0.0.1:2181",
        "grid",
        "127.0.0.1",
        null,
        0,
        Path.of("/tmp/state"),
        "grid-agent-secret-0123456789",
        1,
        1L << 30,
        1.0,
        false,
        Duration.ofSeconds(10),
        0,
        1L << 30,
        false,
        0,
        0,
        null,
        List.of(),
        timeout,
        gossipWindow);
  }

  @Test
  void theTransferTimeoutDefaultsToAMinuteOfNoProgress() {
    assertThat(withTransferTimeout(null).transferTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(withTransferTimeout(Duration.ofSeconds(5)).transferTimeout())
        .isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void refusesATransferTimeoutOutOfRange() {
    assertThatThrownBy(() -> withTransferTimeout(Duration.ZERO))
        .hasMessageContaining("--transfer-timeout-s must be between 1 and 3600, not 0");
    assertThatThrownBy(() -> withTransferTimeout(Duration.ofSeconds(-3)))
        .hasMessageContaining("--transfer-timeout-s");
    assertThatThrownBy(() -> withTransferTimeout(Duration.ofHours(2)))
        .hasMessageContaining("not 7200");
  }

  private static final List<String> REQUIRED =
      List.of(
          "--node-id",
          "c1-n1",
          "--cluster",
          "c1",
          "--zk",
          "z:2181",
          "--state-dir",
          "/tmp/s",
          "--secret-file",
          "/tmp/secret");

  @Test
  void theAgentTakesTheTransferTimeoutInSeconds() {
    AgentMain main = new AgentMain();
    new picocli.CommandLine(main).parseArgs(REQUIRED.toArray(String[]::new));
    assertThat(main.transferTimeoutS).isEqualTo(60);
    List<String> args = new java.util.ArrayList<>(REQUIRED);
    args.addAll(List.of("--transfer-timeout-s", "5"));
    main = new AgentMain();
    new picocli.CommandLine(main).parseArgs(args.toArray(String[]::new));
    assertThat(main.transferTimeoutS).isEqualTo(5);
  }

  private static AgentConfig withGossipWindow(int window) {
    return config(null, window);
  }

  @Test
  void theGossipWindowDefaultsToTwentyAndIsBetweenOneAnd48() {
    assertThat(withTransferTimeout(null).gossipWindow()).isEqualTo(20);
    assertThat(withGossipWindow(1).gossipWindow()).isEqualTo(1);
    assertThat(withGossipWindow(48).gossipWindow()).isEqualTo(48);
    assertThatThrownBy(() -> withGossipWindow(0))
        .hasMessageContaining("--gossip-window must be between 1 and 48, not 0");
    assertThatThrownBy(() -> withGossipWindow(49)).hasMessageContaining("not 49");
  }

  @Test
  void theAgentTakesItsGossipWindow() {
    AgentMain main = new AgentMain();
    new picocli.CommandLine(main).parseArgs(REQUIRED.toArray(String[]::new));
    assertThat(main.gossipWindow).isEqualTo(20);
    List<String> args = new java.util.ArrayList<>(REQUIRED);
    args.addAll(List.of("--gossip-window", "3"));
    main = new AgentMain();
    new picocli.CommandLine(main).parseArgs(args.toArray(String[]::new));
    assertThat(main.gossipWindow).isEqualTo(3);
  }
}
