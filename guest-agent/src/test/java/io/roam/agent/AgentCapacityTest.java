package io.roam.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** How a node's CPU limit becomes the speed and cores it announces. */
class AgentCapacityTest {
  @Test
  void unlimitedNodesKeepTheReferenceSpeedAndAllCores() {
    assertThat(AgentMain.speed(OptionalDouble.empty(), 2)).isEqualTo(1.0);
    assertThat(AgentMain.cores(OptionalDouble.empty(), 2)).isEqualTo(2);
  }

  @Test
  void aLimitedNodeIsAsFastAsItsShare() {
    assertThat(AgentMain.speed(OptionalDouble.of(0.25), 2)).isEqualTo(0.25);
    assertThat(AgentMain.cores(OptionalDouble.of(0.25), 2)).isEqualTo(1);
    assertThat(AgentMain.speed(OptionalDouble.of(1.5), 2)).isEqualTo(1.5);
    assertThat(AgentMain.cores(OptionalDouble.of(1.5), 2)).isEqualTo(2);
  }

  @Test
  void noShareBeyondTheMachine() {
    assertThat(AgentMain.speed(OptionalDouble.of(4), 2)).isEqualTo(2.0);
    assertThat(AgentMain.cores(OptionalDouble.of(4), 2)).isEqualTo(2);
  }
}
