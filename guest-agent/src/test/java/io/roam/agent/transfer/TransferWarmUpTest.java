package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferWarmUpTest {
  @TempDir Path dir;

  @Test
  void eachRoundArrivesWholeThroughTheWholePath() throws IOException {
    long bytes = 3L << 20;

    TransferWarmUp.run(dir, bytes, 2);

    for (int round = 0; round < 2; round++) {
      Path sent = dir.resolve("source-" + round);
      Path got = dir.resolve("target-" + round);
      // The page file went out in pieces while it grew, the rest packed after it.
      assertThat(got.resolve("images/pages-1.img")).hasSize(bytes);
      assertThat(
              Files.mismatch(sent.resolve("images/pages-1.img"), got.resolve("images/pages-1.img")))
          .isEqualTo(-1);
      assertThat(got.resolve("images/core-1.img")).hasSize(4096);
      assertThat(got.resolve("job/work/stdout")).hasContent("0\n1\n2\n");
    }
  }
}
