package io.roam.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakeCheckpointerTest {
  @TempDir Path dir;

  @Test
  void dumpsAndRestores() throws Exception {
    FakeCheckpointer fake = new FakeCheckpointer();
    DumpResult dumped = fake.dump(DumpRequest.of(42, dir.resolve("img")));
    assertThat(dumped.imageBytes()).isPositive();
    RestoredJob job = fake.restore(new RestoreRequest(dir.resolve("img")));
    assertThat(job.handle().isAlive()).isTrue();
    job.handle().destroyForcibly();
    assertThat(job.handle().isAlive()).isFalse();
    assertThat(fake.calls()).containsExactly("dump 42", "restore " + dir.resolve("img"));
  }

  @Test
  void failsAtTheChosenStep() throws Exception {
    FakeCheckpointer fake = new FakeCheckpointer().failOnceAt(CheckpointStep.RESTORE, "disk full");
    fake.dump(DumpRequest.of(42, dir.resolve("img")));
    RestoreRequest restore = new RestoreRequest(dir.resolve("img"));
    assertThatThrownBy(() -> fake.restore(restore))
        .isInstanceOf(CheckpointException.class)
        .extracting(e -> ((CheckpointException) e).reason())
        .isEqualTo("disk full");
    assertThat(fake.restore(restore).handle().isAlive()).isTrue();
  }

  @Test
  void reportsUnmigratableJobs() {
    FakeCheckpointer fake =
        new FakeCheckpointer().unmigratable(7, "listens on TCP").withoutPreDump();
    assertThat(fake.check(7).reasons()).containsExactly("listens on TCP");
    assertThat(fake.check(8).migratable()).isTrue();
    assertThatThrownBy(() -> fake.dump(DumpRequest.of(7, dir.resolve("a"))))
        .hasMessageContaining("listens on TCP");
    assertThatThrownBy(() -> fake.preDump(DumpRequest.of(8, dir.resolve("b"))))
        .isInstanceOf(CheckpointException.class);
  }

  @Test
  void restoreOfMissingImagesFails() {
    assertThatThrownBy(() -> new FakeCheckpointer().restore(new RestoreRequest(dir)))
        .hasMessageContaining("damaged or incomplete");
  }
}
