package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignalsTest {
  private Process tree;

  @BeforeEach
  void startTree() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
    // A shell with a child: the signals must reach both.
    tree = new ProcessBuilder("sh", "-c", "sleep 60 & wait").start();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (tree.children().findAny().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(tree.children().findAny()).as("the tree's child started").isPresent();
  }

  @AfterEach
  void killTree() {
    if (tree != null) {
      tree.descendants().forEach(ProcessHandle::destroyForcibly);
      tree.destroyForcibly();
    }
  }

  private static char state(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.charAt(stat.lastIndexOf(')') + 2);
  }

  /** A stop takes effect when the process next runs: waits for it (at most 10 s). */
  private void assertWholeTree(char expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (long pid : Signals.tree(tree.pid())) {
      while (state(pid) != expected && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(state(pid)).as("state of %d", pid).isEqualTo(expected);
    }
  }

  @Test
  void stopsAndResumesAWholeTree() throws Exception {
    assertThat(Signals.tree(tree.pid())).hasSize(2);

    Signals.stop(tree.pid());
    assertWholeTree('T');

    Signals.resume(tree.pid());
    assertWholeTree('S');
  }

  @Test
  void aShellThatDiedIsReplaced() throws Exception {
    Signals.prepare();
    ProcessHandle first = Signals.shell().orElseThrow();
    first.destroyForcibly();
    first.onExit().get();

    Signals.stop(tree.pid());
    assertWholeTree('T');
    assertThat(Signals.shell()).isPresent().get().isNotEqualTo(first);

    Signals.resume(tree.pid());
    assertWholeTree('S');
  }

  @Test
  void aTreeIsTheRootThenAllItsDescendantsFromTheKernelsLists() throws Exception {
    Process deeper = new ProcessBuilder("sh", "-c", "(sleep 60 & wait) & sleep 60 & wait").start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (deeper.descendants().count() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      List<Long> expected = new ArrayList<>(List.of(deeper.pid()));
      deeper.descendants().forEach(d -> expected.add(d.pid()));
      assertThat(expected).hasSize(4);

      List<Long> tree = Signals.tree(deeper.pid());
      assertThat(tree.get(0)).isEqualTo(deeper.pid());
      assertThat(tree).containsExactlyInAnyOrderElementsOf(expected);
    } finally {
      deeper.descendants().forEach(ProcessHandle::destroyForcibly);
      deeper.destroyForcibly();
    }
  }

  private static void task(Path proc, long pid, long tid, String children) throws Exception {
    Path dir = Files.createDirectories(proc.resolve(pid + "/task/" + tid));
    Files.writeString(dir.resolve("children"), children);
  }

  @Test
  void childrenOfEveryThreadCountAndEndedOrReusedPidsDoNotLoop(@TempDir Path proc)
      throws Exception {
    task(proc, 10, 10, "20 30 ");
    task(proc, 10, 11, "40 ");
    task(proc, 20, 20, "10 "); // 10 again: a PID reused while the tree was read
    task(proc, 30, 30, "50 "); // 50 ended: no directory
    task(proc, 40, 40, "");

    List<Long> tree = Signals.tree(proc, 10);
    assertThat(tree.get(0)).isEqualTo(10L);
    assertThat(tree).containsExactlyInAnyOrder(10L, 20L, 30L, 40L);
    assertThat(Signals.tree(proc, 99)).isEmpty();
  }
}
