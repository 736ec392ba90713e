package io.roam.gridctl;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.ClusterView;
import io.roam.common.api.CreateClusterRequest;
import io.roam.common.model.ClusterPolicy;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import io.roam.gridctl.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gridctl cluster list|show|create|policy}. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Show and manage clusters and their guest policies.",
    subcommands = {
      ClusterCommands.ListClusters.class,
      ClusterCommands.Show.class,
      ClusterCommands.Create.class,
      ClusterCommands.Policy.class,
      ClusterOps.Detach.class,
      ClusterOps.Attach.class
    })
final class ClusterCommands {
  static String cluster(String id) {
    return ApiPaths.CLUSTERS + "/" + id;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the clusters.")
  static final class ListClusters implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      ApiClient api = grid.client();
      List<ClusterView> clusters =
          api.get(ApiPaths.CLUSTERS, new TypeReference<List<ClusterView>>() {});
      if (json) {
        Commands.json(clusters);
        return 0;
      }
      Table table =
          new Table(
              "CLUSTER",
              "OWNER",
              "STATE",
              "NODES",
              "RUNNING",
              "GUESTS-IN",
              "GUESTS-OUT",
              "ACCEPTS");
      for (ClusterView c : clusters) {
        table.row(
            c.id(),
            c.owner(),
            c.state(),
            c.nodes(),
            c.runningJobs(),
            c.guestsIn(),
            c.guestsOut(),
            c.policy().acceptGuests() ? "up to " + c.policy().maxGuests() : "no guests");
      }
      table.print(Commands.OUT);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one cluster.")
  static final class Show implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String id;

    @Override
    public Integer call() {
      Commands.json(grid.client().get(cluster(id), ClusterView.class));
      return 0;
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a cluster (yours; an admin may name another owner).")
  static final class Create implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String id;

    @Option(names = "--owner", description = "Its owner (default: you).")
    String owner;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      ClusterView c =
          grid.client()
              .post(
                  ApiPaths.CLUSTERS, new CreateClusterRequest(id, owner, null), ClusterView.class);
      if (json) {
        Commands.json(c);
      } else {
        Commands.OUT.println(c.id());
      }
      return 0;
    }
  }

  @Command(
      name = "policy",
      mixinStandardHelpOptions = true,
      description = {
        "Set a cluster's guest policy (its owner or an admin).",
        "",
        "Example: gridctl cluster policy c1 --accept-guests --max-guests 8 --priority c2=90"
            + " --block c3"
      })
  static final class Policy implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(index = "0", paramLabel = "CLUSTER")
    String id;

    @Option(
        names = "--accept-guests",
        negatable = true,
        required = true,
        description = "Whether other clusters' jobs may run here.")
    boolean accept;

    @Option(names = "--max-guests", defaultValue = "-1", description = "Most guests at once.")
    int maxGuests;

    @Option(
        names = "--priority",
        paramLabel = "CLUSTER=P",
        description = "A partner's priority, 0 (last) to 100 (first); repeatable.")
    List<String> priorities = new ArrayList<>();

    @Option(names = "--block", paramLabel = "CLUSTER", description = "Refuse a partner's jobs.")
    List<String> blocked = new ArrayList<>();

    @Option(
        names = "--local-first",
        negatable = true,
        description =
            "Send guests away (home, by migration) when this cluster's own jobs wait for a node's"
                + " cores (default: on).")
    Boolean localFirst;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      List<ClusterPolicy.PartnerRule> partners = new ArrayList<>();
      for (String p : priorities) {
        int eq = p.indexOf('=');
        if (eq < 1) {
          throw new GridCtlException("--priority takes CLUSTER=P, not '" + p + "'");
        }
        try {
          partners.add(
              new ClusterPolicy.PartnerRule(
                  p.substring(0, eq), Integer.parseInt(p.substring(eq + 1)), false));
        } catch (NumberFormatException e) {
          throw new GridCtlException("--priority " + p + ": P must be a number from 0 to 100");
        }
      }
      blocked.forEach(b -> partners.add(new ClusterPolicy.PartnerRule(b, null, true)));
      int max = maxGuests >= 0 ? maxGuests : (accept ? ClusterPolicy.defaults().maxGuests() : 0);
      ClusterView c =
          grid.client()
              .put(
                  cluster(id) + "/policy",
                  new ClusterPolicy(
                      accept, max, partners, Boolean.FALSE.equals(localFirst) ? false : null),
                  ClusterView.class);
      if (json) {
        Commands.json(c);
      } else {
        Commands.ERR.println("gridctl: policy of " + c.id() + " set");
      }
      return 0;
    }
  }
}
