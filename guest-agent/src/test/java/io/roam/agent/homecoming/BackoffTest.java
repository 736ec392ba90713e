package io.roam.agent.homecoming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60));

  @Test
  void waitsDoubleUpToTheMaximumWithARandomPartOfAtMostHalf() {
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      assertThat(backoff.delay(1, random)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(backoff.delay(3, random)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
      assertThat(backoff.delay(40, random))
          .isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }
  }

  @Test
  void aBackoffThatCannotWaitIsRefused() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
