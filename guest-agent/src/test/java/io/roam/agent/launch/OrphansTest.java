package io.roam.agent.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrphansTest {
  @TempDir Path state;

  @Test
  void theProcessesNamingAJobsDirectoryAreFoundAndKilledAndNoOthers() throws Exception {
    Path mine = state.resolve("jobs/j1");
    Path other = state.resolve("jobs/j2");
    Process orphan = new ProcessBuilder("sh", "-c", "sleep 1000; true", mine.toString()).start();
    Process bystander =
        new ProcessBuilder("sh", "-c", "sleep 1000; true", other.toString()).start();
    try {
      assertThat(Orphans.of(mine)).containsExactly(orphan.pid());

      assertThat(Orphans.kill(mine)).isEqualTo(1);

      await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.isAlive());
      assertThat(bystander.isAlive()).isTrue();
      assertThat(Orphans.of(mine)).isEmpty();
    } finally {
      orphan.destroyForcibly();
      bystander.destroyForcibly();
    }
  }
}
