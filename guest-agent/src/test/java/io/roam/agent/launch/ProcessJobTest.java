package io.roam.agent.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A job's first process, found under the real process that started it. */
class ProcessJobTest {
  @Test
  void theFirstProcessIsTheStartersChildUntilTheJobEnds() throws Exception {
    // As unshare --fork does: the starter waits for the job's first process.
    Process starter = new ProcessBuilder("sh", "-c", "sleep 60 & wait").start();
    ProcessJob job = new ProcessJob(starter, true);

    long root = job.rootPid();
    ProcessHandle child = ProcessHandle.of(root).orElseThrow();
    assertThat(child.parent().map(ProcessHandle::pid)).contains(starter.pid());
    assertThat(job.rootPid()).isEqualTo(root);

    job.kill(Duration.ZERO);
    assertThat(starter.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(job::rootPid)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has no first process");
  }

  @Test
  void aRestoredJobsRootIsTheOneCriuNamed() throws Exception {
    Process criu = new ProcessBuilder("sh", "-c", "sleep 60 & wait").start();
    long named = ProcessHandle.current().pid(); // any live PID but the starter's child
    ProcessJob job = ProcessJob.restored(criu, named);

    assertThat(job.rootPid()).isEqualTo(named);

    job.kill(Duration.ZERO);
    assertThat(criu.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(job::rootPid).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ProcessJob.restored(criu, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
