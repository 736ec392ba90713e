package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
}
