package io.roam.gridctl;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.NodeSummary;
import io.roam.common.json.Json;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import io.roam.gridctl.output.Table;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The grid's load as a node knows it by gossip: once, or live (like MOSIX's mosmon). */
final class MonCommands {
  private MonCommands() {}

  private static final PrintStream OUT = System.out;

  /** The load view of {@code node} (or of the first live node) as a table. */
  static String render(ApiClient api, String node) {
    String from = node;
    if (from == null) {
      List<NodeSummary> nodes = api.get(ApiPaths.NODES, new TypeReference<List<NodeSummary>>() {});
      if (nodes.isEmpty()) {
        throw new GridCtlException("no node is up");
      }
      from = nodes.get(0).id().value();
    }
    JsonNode view = view(api, from);
    Table t = new Table("NODE", "LOAD", "", "JOBS", "SPEED", "FREE MEMORY", "AGE");
    for (JsonNode e : view) {
      double load = e.get("runnable").asDouble();
      int bars = (int) Math.min(20, Math.round(load * 4));
      t.row(
          e.get("node").asText(),
          String.format("%.2f", load),
          "#".repeat(bars),
          e.get("jobs").asInt(),
          e.get("speed").asDouble(),
          Table.bytes(e.get("freeMemoryBytes").asLong())
              + " of "
              + Table.bytes(e.get("totalMemoryBytes").asLong()),
          e.get("age").asInt() + "s");
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
    ps.printf("Load of the grid as %s knows it (ages in gossip steps of 1 s)%n", from);
    t.print(ps);
    return buf.toString(StandardCharsets.UTF_8);
  }

  static JsonNode view(ApiClient api, String node) {
    return Json.mapper().valueToTree(api.get(ApiPaths.NODES + "/" + node + "/load", Object.class));
  }

  @Command(
      name = "mon",
      mixinStandardHelpOptions = true,
      description = {
        "Watch the load of every node, refreshed in place (Ctrl-C to stop).",
        "",
        "Shows what one node has learnt by gossip: each node's runnable processes, jobs, speed,",
        "free memory and how old the news is."
      })
  static final class Mon implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--node", description = "Whose view to show (default: the first live node).")
    String node;

    @Option(
        names = "--interval",
        defaultValue = "1",
        description = "Seconds between refreshes (default: ${DEFAULT-VALUE}).")
    double interval;

    @Option(names = "--once", description = "Print the view once and exit.")
    boolean once;

    @Override
    public Integer call() throws Exception {
      if (!(interval >= 0.2)) {
        throw new GridCtlException("--interval must be at least 0.2 s");
      }
      ApiClient api = grid.client();
      while (true) {
        String screen = render(api, node);
        if (once) {
          OUT.print(screen);
          return 0;
        }
        // Home the cursor and clear, then draw: the view is refreshed in place.
        OUT.print(
            "\033[H\033[2J"
                + screen
                + "\n"
                + LocalTime.now().truncatedTo(ChronoUnit.SECONDS)
                + "  Ctrl-C to stop\n");
        OUT.flush();
        Thread.sleep((long) (interval * 1000));
      }
    }
  }

  @Command(
      name = "load",
      mixinStandardHelpOptions = true,
      description = "Show a node's view of the grid's load.")
  static final class NodeLoad implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "NODE", description = "The node whose view to show.")
    String node;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      ApiClient api = grid.client();
      if (json) {
        OUT.println(Json.encodePretty(view(api, node)));
      } else {
        OUT.print(render(api, node));
      }
      return 0;
    }
  }
}
