package io.roam.manager.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The script a sandboxed node starts with, run for real in a new mount namespace (as root). */
class SandboxScriptTest {
  @TempDir Path temp;

  private List<String> inNode(String command) throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mount namespaces need root");
    Path root = temp.resolve("node-root");
    Path state = Files.createDirectories(temp.resolve("state"));
    Files.writeString(state.resolve("mine"), "node's own");
    List<String> argv = new ArrayList<>(LocalGrid.sandboxPrefix(root, state));
    argv.addAll(List.of("sh", "-c", command));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    List<String> out =
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
    return out;
  }

  private static List<String> hostRun() throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> entries = Files.list(Path.of("/run"))) {
      entries
          .map(e -> e.getFileName().toString())
          .filter(n -> !n.startsWith("criu.kdat") && !n.equals("mount"))
          .forEach(names::add);
    }
    return names;
  }

  @Test
  void theNodeHasATmpfsRunWithTheHostsEntriesAndItsOwnStateAtTheNodePath() throws Exception {
    String hostType = Files.getFileStore(Path.of("/run")).type();
    List<String> host = hostRun();
    List<String> out =
        inNode(
            "stat -f -c %T /run; ls -A /run; echo ---; cat "
                + temp.resolve("node-root").resolve("mine"));

    assertThat(out.get(0)).isEqualTo("tmpfs");
    // Every entry of the host's /run (that it still has: other programs may come and go).
    List<String> stillThere = new ArrayList<>(host);
    stillThere.retainAll(hostRun());
    assertThat(out.subList(1, out.indexOf("---"))).containsAll(stillThere);
    assertThat(out).endsWith("node's own").doesNotContain("roam-node: /run");
    // The host's /run is not the node's.
    assertThat(Files.getFileStore(Path.of("/run")).type()).isEqualTo(hostType);
  }
}
