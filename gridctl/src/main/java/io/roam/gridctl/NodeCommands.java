package io.roam.gridctl;

import io.roam.common.api.ApiPaths;
import io.roam.common.api.NodeFlagsRequest;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.NodeFlags;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Per-node controls under `gridctl node`: the flags stay and block; expel and bring. */
final class NodeCommands {
  private NodeCommands() {}

  private static final PrintStream OUT = System.out;

  static String nodeId(String raw) {
    try {
      return NodeId.of(raw).value();
    } catch (IllegalArgumentException e) {
      throw new GridCtlException(e.getMessage());
    }
  }

  /** What the flag commands share: the node, --json, and printing the flags after the change. */
  abstract static class FlagCommand implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "NODE", description = "The node id.")
    String node;

    @Option(names = "--json", description = "Print the node's flags as JSON.")
    boolean json;

    abstract NodeFlagsRequest change();

    @Override
    public Integer call() {
      ApiClient api = grid.client();
      NodeFlags flags = api.post(ApiPaths.nodeFlags(nodeId(node)), change(), NodeFlags.class);
      if (json) {
        OUT.println(Json.encodePretty(flags));
      } else {
        OUT.printf("Node %s: %s.%n", flags.node(), describe(flags));
      }
      return 0;
    }
  }

  static String describe(NodeFlags f) {
    return (f.stay() ? "stay (no automatic migration away)" : "no stay")
        + ", "
        + (f.block() ? "blocked (no guests arrive; its own jobs still come home)" : "not blocked");
  }

  @Command(
      name = "stay",
      mixinStandardHelpOptions = true,
      description = {
        "Keep the jobs on a node: load balancing moves nothing away from it.",
        "",
        "Explicit migrations, cluster detach and node expel still move jobs. The flag is",
        "kept in the grid's store: it holds across restarts of the node's agent until",
        "'node nostay'. Only the owner of the node's cluster or an admin may set it."
      })
  static final class Stay extends FlagCommand {
    @Override
    NodeFlagsRequest change() {
      return new NodeFlagsRequest(true, null);
    }
  }

  @Command(
      name = "nostay",
      mixinStandardHelpOptions = true,
      description = "Let load balancing move jobs away from a node again (undoes 'node stay').")
  static final class NoStay extends FlagCommand {
    @Override
    NodeFlagsRequest change() {
      return new NodeFlagsRequest(false, null);
    }
  }

  @Command(
      name = "block",
      mixinStandardHelpOptions = true,
      description = {
        "Close a node to guests: no job from another node migrates in.",
        "",
        "A migration into it of a job whose home is another node is refused, with the",
        "reason; a job coming home to it is always taken. Guests already there stay (see",
        "'node expel'). The flag holds across agent restarts until 'node unblock'.",
        "Only the owner of the node's cluster or an admin may set it."
      })
  static final class Block extends FlagCommand {
    @Override
    NodeFlagsRequest change() {
      return new NodeFlagsRequest(null, true);
    }
  }

  @Command(
      name = "unblock",
      mixinStandardHelpOptions = true,
      description = "Open a node to guests again (undoes 'node block').")
  static final class Unblock extends FlagCommand {
    @Override
    NodeFlagsRequest change() {
      return new NodeFlagsRequest(null, false);
    }
  }

  @Command(
      name = "expel",
      mixinStandardHelpOptions = true,
      description = {
        "Send every guest on a node away without stopping it.",
        "",
        "A guest is a job whose home is another node. Each migrates to its home node, or",
        "else to another node of its home cluster that is not blocked; locked jobs go too",
        "(a lock only keeps load balancing away). A guest with nowhere to go makes the",
        "operation wait, and says so. To keep new guests out as well, 'node block' the",
        "node first. Only the owner of the node's cluster or an admin may expel."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:done (or, without --wait, started)", "1:refused, or failed"})
  static final class Expel implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "NODE", description = "The node id.")
    String node;

    @Mixin OperationOptions operation;

    @Override
    public Integer call() throws Exception {
      return operation.start(grid, ApiPaths.nodeExpel(nodeId(node)));
    }
  }

  @Command(
      name = "bring",
      mixinStandardHelpOptions = true,
      description = {
        "Call every job whose home is a node back to it, while it runs.",
        "",
        "Locked jobs come too. A job that cannot move makes the operation wait, and says so.",
        "Only the owner of the node's cluster or an admin may bring."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {"0:done (or, without --wait, started)", "1:refused, or failed"})
  static final class Bring implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "NODE", description = "The node id.")
    String node;

    @Mixin OperationOptions operation;

    @Override
    public Integer call() throws Exception {
      return operation.start(grid, ApiPaths.nodeBring(nodeId(node)));
    }
  }
}
