package io.roam.gridctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.gridctl.client.GridCtlException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class UpOptionsTest {
  private static Commands.Up parse(String... args) {
    Commands.Up up = new Commands.Up();
    new CommandLine(up).parseArgs(args);
    return up;
  }

  @Test
  void parallelMovesDefaultsToTheManagersDefault() {
    assertThat(parse().parallelMoves).isEqualTo(4);
    assertThat(parse("--parallel-moves", "16").parallelMoves).isEqualTo(16);
  }

  @Test
  void parallelMovesOutsideOneToSixtyFourIsRefusedBeforeAnythingStarts() {
    for (String bad : new String[] {"0", "-1", "65"}) {
      // --port 0 too: were the check missing, call() would stop at the port, not start a grid.
      Commands.Up up = parse("--parallel-moves", bad, "--port", "0");
      assertThatThrownBy(up::call)
          .isInstanceOf(GridCtlException.class)
          .hasMessage("--parallel-moves must be between 1 and 64, not " + bad);
    }
  }

  @Test
  void parallelMovesAtTheBoundsIsAccepted() {
    Commands.Up.checkParallelMoves(1);
    Commands.Up.checkParallelMoves(64);
  }

  @Test
  void helpDescribesParallelMoves() {
    String usage = new CommandLine(new Commands.Up()).getUsageMessage();
    assertThat(usage).contains("--parallel-moves=N").contains("1 to 64").contains("default: 4");
  }

  @Test
  void gossipWindowIsLeftToTheAgentsUnlessGiven() {
    assertThat(parse().gossipWindow).isNull();
    assertThat(parse("--gossip-window", "3").gossipWindow).isEqualTo(3);
  }

  @Test
  void gossipWindowOutsideOneTo48IsRefusedBeforeAnythingStarts() {
    for (String bad : new String[] {"0", "-2", "49"}) {
      Commands.Up up = parse("--gossip-window", bad, "--port", "0");
      assertThatThrownBy(up::call)
          .isInstanceOf(GridCtlException.class)
          .hasMessage("--gossip-window must be between 1 and 48, not " + bad);
    }
  }

  @Test
  void gossipWindowAtTheBoundsIsAccepted() {
    Commands.Up.checkGossipWindow(1);
    Commands.Up.checkGossipWindow(48);
  }
}
