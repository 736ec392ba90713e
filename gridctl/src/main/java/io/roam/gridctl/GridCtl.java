package io.roam.gridctl;

import io.roam.gridctl.client.GridCtlException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** gridctl: the command line of a Roam grid. */
@Command(
    name = "gridctl",
    mixinStandardHelpOptions = true,
    version = "gridctl 0.1.0",
    description = {
      "Runs programs on a Roam grid and manages it, through the grid manager's REST API.",
      "",
      "Start a grid on this machine with 'gridctl up', then for example:",
      "  gridctl run -- sh -c 'echo hello'    prints the new job's id",
      "  gridctl wait j1 && gridctl logs j1"
    },
    subcommands = {
      Commands.Up.class,
      Commands.Down.class,
      Commands.Status.class,
      Commands.NodeCmd.class,
      Commands.Run.class,
      Commands.Ps.class,
      Commands.Logs.class,
      Commands.Migrate.class,
      Commands.Kill.class,
      CheckpointCommands.class,
      MonCommands.Mon.class,
      ClusterOps.OperationCmd.class,
      HostCommands.HostCmd.class,
      HostCommands.VmCmd.class,
      Commands.Wait.class,
      ClusterCommands.class,
      TokenCommands.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the grid refused or failed (the message says why)",
      "2:bad command line"
    })
public final class GridCtl {
  private GridCtl() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    CommandLine cli = new CommandLine(new GridCtl());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof GridCtlException || e instanceof IllegalArgumentException) {
            cmd.getErr().println("gridctl: " + e.getMessage());
          } else {
            cmd.getErr().println("gridctl: " + e);
          }
          return 1;
        });
    return cli.execute(args);
  }
}
