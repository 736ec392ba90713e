package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferWarmUpTest {
  @TempDir Path dir;

  @Test
  void runsTheWholePathAndLeavesNothingBehind() throws IOException {
    Path scratch = dir.resolve("warm-up");

    TransferWarmUp.run(scratch, 3L << 20, 2);

    // Its files were written, sent, unpacked and deleted; a failure anywhere would have thrown.
    assertThat(scratch).doesNotExist();
    assertThat(dir).isEmptyDirectory();
  }
}
