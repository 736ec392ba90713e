package io.roam.agent.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
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
    // The shells' sleeps outlive a killed shell: kept to be killed after the test.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> orphan.children().count() + bystander.children().count() == 2);
    List<ProcessHandle> sleeps = Stream.concat(orphan.children(), bystander.children()).toList();
    try {
      assertThat(Orphans.of(mine)).containsExactly(orphan.pid());

      assertThat(Orphans.kill(mine)).isEqualTo(1);

      await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.isAlive());
      assertThat(bystander.isAlive()).isTrue();
      assertThat(Orphans.of(mine)).isEmpty();
    } finally {
      sleeps.forEach(ProcessHandle::destroyForcibly);
      orphan.destroyForcibly();
      bystander.destroyForcibly();
    }
  }
}
