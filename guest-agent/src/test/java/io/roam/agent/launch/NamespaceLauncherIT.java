package io.roam.agent.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roam.common.id.JobId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes, started the CRIU-ready way. */
class NamespaceLauncherIT {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  @TempDir Path state;

  private final NamespaceLauncher launcher = NamespaceLauncher.forThisProcess();

  private JobDir run(String script) throws Exception {
    JobDir dir = JobDir.of(state, JobId.of("j1"));
    LaunchedJob job = launcher.launch(JobId.of("j1"), List.of("sh", "-c", script), dir);
    job.onExit().get(30, TimeUnit.SECONDS);
    return dir;
  }

  @Test
  void stdioGoesToTheJobsFilesAndTheExitStatusIsRecorded() throws Exception {
    JobDir dir = run("echo out; echo err >&2; pwd; exit 3");

    assertThat(Files.readString(dir.stdout())).isEqualTo("out\n" + dir.work() + "\n");
    assertThat(Files.readString(dir.stderr())).isEqualTo("err\n");
    assertThat(Files.readString(dir.exitStatus()).trim()).isEqualTo("3");
  }

  @Test
  void theJobInheritsNoDescriptorsBeyondItsOwnStdio() throws Exception {
    // ls itself opens one descriptor to read the directory.
    JobDir dir = run("ls /proc/self/fd");

    Set<String> fds =
        Arrays.stream(Files.readString(dir.stdout()).split("\\s+"))
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    assertThat(fds).containsAll(Set.of("0", "1", "2")).hasSizeLessThanOrEqualTo(4);
    assertThat(Files.readString(dir.stdout())).doesNotContain("255");
  }

  @Test
  void asRootTheJobIsTheFirstProcessOfItsOwnPidNamespaceAndSession() throws Exception {
    assumeTrue(ROOT, "PID namespaces need root");
    JobDir dir = JobDir.of(state, JobId.of("j4"));
    // The wrapper shell is PID 1 of the new namespace, so the user's shell is PID 2 there.
    LaunchedJob job =
        launcher.launch(
            JobId.of("j4"),
            List.of(
                "sh",
                "-c",
                "echo pid=$$; grep NSpid /proc/self/status; echo sid=$(cut -d' ' -f6 /proc/self/stat);"
                    + " sleep 2"),
            dir);
    awaitChildren(job.pid(), 2);
    long wrapper =
        ProcessHandle.of(job.pid()).orElseThrow().children().findFirst().orElseThrow().pid();
    job.onExit().get(30, TimeUnit.SECONDS);

    List<String> out = Files.readAllLines(dir.stdout());
    assertThat(out.get(0)).isEqualTo("pid=2");
    assertThat(out.get(1).split("\\s+")).as("nested PID namespace").hasSize(3);
    assertThat(out.get(2)).isEqualTo("sid=" + wrapper);
  }

  @Test
  void killStopsTheWholeTree() throws Exception {
    JobDir dir = JobDir.of(state, JobId.of("j2"));
    LaunchedJob job =
        launcher.launch(JobId.of("j2"), List.of("sh", "-c", "sleep 1000 & sleep 1000; wait"), dir);
    awaitChildren(job.pid(), 3);
    List<ProcessHandle> tree = ProcessHandle.of(job.pid()).orElseThrow().descendants().toList();

    job.kill(Duration.ofSeconds(2));

    job.onExit().get(10, TimeUnit.SECONDS);
    for (ProcessHandle p : tree) {
      p.onExit().get(10, TimeUnit.SECONDS);
      assertThat(p.isAlive()).isFalse();
    }
  }

  @Test
  void anUnknownProgramIsRefusedBeforeAnythingStarts() {
    JobDir dir = JobDir.of(state, JobId.of("j3"));
    assertThatThrownBy(() -> launcher.launch(JobId.of("j3"), List.of("no-such-program-x"), dir))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("command 'no-such-program-x' not found");
    assertThat(dir.root()).doesNotExist();
  }

  private static void awaitChildren(long pid, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ProcessHandle.of(pid).orElseThrow().descendants().count() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job tree did not start");
      }
      Thread.sleep(20);
    }
  }
}
