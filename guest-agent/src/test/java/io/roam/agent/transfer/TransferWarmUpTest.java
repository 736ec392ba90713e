package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferWarmUpTest {
  @TempDir Path dir;

  @Test
  void eachRoundArrivesWholeThroughTheWholePathAndIsHandedBack() throws IOException {
    long bytes = 3L << 20;
    List<Path> rounds = new ArrayList<>();

    TransferWarmUp.Outcome outcome =
        TransferWarmUp.rounds(
            dir,
            // Never fast enough: every allowed round runs.
            new TransferWarmUp.Plan(bytes, 2, 3, Duration.ZERO),
            round -> {
              Path sent = round.resolve("source");
              Path got = round.resolve("target");
              // The page file went out in pieces while it grew, the rest packed after it.
              assertThat(got.resolve("images/pages-1.img")).hasSize(bytes);
              try {
                assertThat(
                        Files.mismatch(
                            sent.resolve("images/pages-1.img"), got.resolve("images/pages-1.img")))
                    .isEqualTo(-1);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              assertThat(got.resolve("images/core-1.img")).hasSize(4096);
              assertThat(got.resolve("job/work/stdout")).hasContent("0\n1\n2\n");
              rounds.add(round);
            });

    assertThat(rounds)
        .containsExactly(dir.resolve("round-0"), dir.resolve("round-1"), dir.resolve("round-2"));
    assertThat(outcome.rounds()).isEqualTo(3);
    assertThat(outcome.fast()).isFalse();
    assertThat(outcome.lastRoundNanos()).isPositive();
  }

  @Test
  void itStopsAtTheFirstRoundFastEnoughOnceTheMinimumRan() throws IOException {
    List<Path> rounds = new ArrayList<>();

    TransferWarmUp.Outcome outcome =
        TransferWarmUp.rounds(
            dir, new TransferWarmUp.Plan(1L << 20, 2, 10, Duration.ofHours(1)), rounds::add);

    assertThat(outcome.fast()).isTrue();
    assertThat(outcome.rounds()).isEqualTo(2);
    assertThat(rounds).hasSize(2);
  }

  @Test
  void aPlanThatMakesNoSenseIsRefused() {
    assertThatThrownBy(() -> new TransferWarmUp.Plan(1, 3, 2, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 <= min <= max");
    assertThatThrownBy(() -> new TransferWarmUp.Plan(0, 1, 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
