package io.roam.agent.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RestoreServiceTest {
  @Test
  void theRestartReasonSaysItIsDone() {
    assertThat(
            RestoreService.restartedReason(
                "restarting from the checkpoint of 2026-01-01T00:00:00Z after node c2-n1 was lost"))
        .isEqualTo(
            "restarted from the checkpoint of 2026-01-01T00:00:00Z after node c2-n1 was lost");
    assertThat(RestoreService.restartedReason("asked by hand"))
        .isEqualTo("restarted: asked by hand");
  }
}
