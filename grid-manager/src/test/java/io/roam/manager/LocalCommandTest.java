package io.roam.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LocalCommandTest {
  @TempDir Path dir;

  private ManagerMain.Local parse(String... extra) {
    ManagerMain.Local local = new ManagerMain.Local();
    String[] base = {"--state-dir", dir.resolve("state").toString(), "--agent-jar", "agent.jar"};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    new CommandLine(local).parseArgs(args);
    return local;
  }

  @Test
  void parallelMovesDefaultsToTheManagersDefault() {
    assertThat(parse().parallelMoves).isEqualTo(Manager.MIGRATIONS_AT_ONCE);
    assertThat(parse("--parallel-moves", "9").parallelMoves).isEqualTo(9);
  }

  @Test
  void parallelMovesOutOfRangeIsRefusedBeforeTheStateDirectoryIsMade() {
    for (String bad : new String[] {"0", "65"}) {
      ManagerMain.Local local = parse("--parallel-moves", bad);
      assertThatThrownBy(local::call)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("--parallel-moves must be between 1 and 64, not " + bad);
      assertThat(Files.exists(dir.resolve("state"))).isFalse();
    }
  }
}
