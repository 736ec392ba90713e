package io.roam.gridctl;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.AddVmsRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.MigrateRequest;
import io.roam.common.api.MigrationAccepted;
import io.roam.common.api.NodeSummary;
import io.roam.common.api.Page;
import io.roam.common.api.VmSummary;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.DirectBoot;
import io.roam.common.model.HostRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.MigrationOutcome;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import io.roam.gridctl.output.Table;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Hosts (physical machines running vm-node) and the VMs that are the grid's nodes on them. */
final class HostCommands {
  private HostCommands() {}

  private static final PrintStream OUT = System.out;

  @Command(
      name = "host",
      mixinStandardHelpOptions = true,
      description = "Hosts running vm-node.",
      subcommands = HostList.class)
  static final class HostCmd {}

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List live hosts and their capacity.")
  static final class HostList implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      List<HostRecord> hosts =
          grid.client().get(ApiPaths.HOSTS, new TypeReference<List<HostRecord>>() {});
      if (json) {
        OUT.println(Json.encodePretty(hosts));
        return 0;
      }
      Table t =
          new Table(
              "HOST",
              "CPUS",
              "MEMORY",
              "FREE VCPUS",
              "FREE MEMORY",
              "DOMAINS",
              "TYPE",
              "LIBVIRT",
              "PROBLEMS");
      hosts.forEach(
          h ->
              t.row(
                  h.id(),
                  h.cpus(),
                  Table.bytes(h.memoryBytes()),
                  h.freeVcpus(),
                  Table.bytes(h.freeMemoryBytes()),
                  h.domains().size(),
                  h.domainType(),
                  h.libvirtVersion(),
                  h.problems().isEmpty() ? "-" : String.join("; ", h.problems())));
      t.print(OUT);
      return 0;
    }
  }

  @Command(
      name = "vm",
      mixinStandardHelpOptions = true,
      description = "The grid's nodes as VMs: list them, ask for more, give one back.",
      subcommands = {VmList.class, VmAdd.class, VmRemove.class})
  static final class VmCmd {}

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List wanted VMs and their state.")
  static final class VmList implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      List<VmSummary> vms =
          grid.client().get(ApiPaths.VMS, new TypeReference<List<VmSummary>>() {});
      if (json) {
        OUT.println(Json.encodePretty(vms));
        return 0;
      }
      Table t = new Table("NODE", "CLUSTER", "HOST", "VCPUS", "MEMORY", "IMAGE", "STATE");
      vms.forEach(
          v ->
              t.row(
                  v.node(),
                  v.cluster(),
                  v.host(),
                  v.vcpus(),
                  v.memoryMib() + "M",
                  v.image(),
                  v.state()));
      t.print(OUT);
      return 0;
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Ask for more nodes of a cluster as VMs on a host.")
  static final class VmAdd implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--host", required = true, description = "The host.")
    String host;

    @Option(names = "--cluster", required = true, description = "The cluster the nodes join.")
    String cluster;

    @Option(
        names = "--count",
        defaultValue = "1",
        description = "How many (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(
        names = "--vcpus",
        defaultValue = "1",
        description = "vCPUs each (default: ${DEFAULT-VALUE}).")
    int vcpus;

    @Option(
        names = "--memory-mib",
        defaultValue = "1024",
        description = "Memory each, MiB (default: ${DEFAULT-VALUE}).")
    long memoryMib;

    @Option(
        names = "--image",
        required = true,
        description = "Base image file name in the host's images directory.")
    String image;

    @Option(
        names = "--sha256",
        required = true,
        description = "The image's SHA-256 (see its .sha256 file).")
    String sha256;

    @Option(
        names = "--kernel",
        description =
            "Boot this kernel directly (file name in the host's images directory), as the grid's"
                + " guest images are booted; needs --kernel-sha256, --initrd, --initrd-sha256.")
    String kernel;

    @Option(names = "--kernel-sha256", description = "The kernel's SHA-256.")
    String kernelSha256;

    @Option(names = "--initrd", description = "The initrd booted with --kernel.")
    String initrd;

    @Option(names = "--initrd-sha256", description = "The initrd's SHA-256.")
    String initrdSha256;

    @Option(
        names = "--cmdline",
        description = "Kernel command line (default: " + DirectBoot.DEFAULT_CMDLINE + ").")
    String cmdline;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      AddVmsRequest request;
      try {
        DirectBoot boot = null;
        if (kernel != null || initrd != null || kernelSha256 != null || initrdSha256 != null) {
          boot = new DirectBoot(kernel, kernelSha256, initrd, initrdSha256, cmdline);
        } else if (cmdline != null) {
          throw new IllegalArgumentException("--cmdline needs --kernel and --initrd");
        }
        request =
            new AddVmsRequest(ClusterId.of(cluster), count, vcpus, memoryMib, image, sha256, boot);
      } catch (IllegalArgumentException e) {
        throw new GridCtlException(e.getMessage());
      }
      ApiClient api = grid.client();
      List<VmSummary> added =
          api.postList(ApiPaths.hostVms(host), request, new TypeReference<List<VmSummary>>() {});
      if (json) {
        OUT.println(Json.encodePretty(added));
      } else {
        added.forEach(
            v ->
                OUT.printf(
                    "%s wanted on %s (host %s will define and start it)%n",
                    v.node(), v.host(), v.host()));
      }
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = {
        "Give a node's VM back.",
        "",
        "Refused while jobs run on the node, unless --drain: then each running job first moves",
        "to its home node, else to the least busy other node of the node's cluster, else to a",
        "node of its home cluster; if one cannot move, the VM stays and nothing is removed."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:the VM is being shut down and removed",
        "1:refused (jobs run on it), or a job could not move: the VM stays"
      })
  static final class VmRemove implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--host", required = true, description = "The host.")
    String host;

    @Option(
        names = "--drain",
        description = "Move the node's running jobs away first, instead of refusing.")
    boolean drain;

    @Option(
        names = "--timeout",
        defaultValue = "600",
        description =
            "Seconds to wait for each job's move with --drain (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--json", description = "Print JSON: the node, its host and the jobs moved.")
    boolean json;

    @Parameters(paramLabel = "NODE", description = "The node whose VM goes.")
    String node;

    @Override
    public Integer call() throws Exception {
      NodeId id;
      try {
        id = NodeId.of(node);
      } catch (IllegalArgumentException e) {
        throw new GridCtlException(e.getMessage());
      }
      ApiClient api = grid.client();
      List<Map<String, Object>> moved = new ArrayList<>();
      if (drain) {
        moved = drain(api, id);
      }
      api.delete(ApiPaths.hostVms(host) + "/" + id);
      if (json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", id.value());
        out.put("host", host);
        out.put("moved", moved);
        OUT.println(Json.encodePretty(out));
      } else {
        OUT.printf("%s will be shut down and removed from %s.%n", id, host);
      }
      return 0;
    }

    /** Moves every running job off {@code id}, one at a time; throws when one cannot move. */
    private List<Map<String, Object>> drain(ApiClient api, NodeId id) throws InterruptedException {
      ClusterId cluster =
          api.get(ApiPaths.VMS, new TypeReference<List<VmSummary>>() {}).stream()
              .filter(v -> v.node().equals(id) && v.host().value().equals(host))
              .map(VmSummary::cluster)
              .findFirst()
              .orElseThrow(
                  () -> new GridCtlException("host " + host + " has no VM for node " + id));
      List<NodeSummary> live = api.get(ApiPaths.NODES, new TypeReference<List<NodeSummary>>() {});
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("state", JobState.RUNNING);
      q.put("node", id.value());
      q.put("limit", 10_000);
      List<JobRecord> running =
          api.get(ApiPaths.JOBS + ApiClient.query(q), new TypeReference<Page<JobRecord>>() {})
              .items();
      DrainPlan plan = new DrainPlan(id, cluster, live);
      List<Map<String, Object>> moved = new ArrayList<>();
      for (JobRecord job : running) {
        NodeId target =
            plan.target(job)
                .orElseThrow(
                    () ->
                        new GridCtlException(
                            "job "
                                + job.id()
                                + " has nowhere to go (no other live node of cluster "
                                + cluster
                                + " or of its home cluster); "
                                + id
                                + " stays"));
        if (!json) {
          OUT.printf("Moving job %s from %s to %s...%n", job.id(), id, target);
          OUT.flush();
        }
        MigrationAccepted accepted =
            api.post(
                ApiPaths.jobMigrate(job.id().value()),
                new MigrateRequest(target.value()),
                MigrationAccepted.class);
        MigrationOutcome outcome = await(api, job.id(), accepted.attempt());
        if (!outcome.succeeded()) {
          throw new GridCtlException(
              "job "
                  + job.id()
                  + " stays on "
                  + id
                  + ": "
                  + outcome.reason()
                  + "; "
                  + id
                  + " stays");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", job.id().value());
        m.put("to", target.value());
        m.put("frozenMillis", outcome.frozenMillis());
        m.put("totalMillis", outcome.totalMillis());
        moved.add(m);
      }
      return moved;
    }

    private MigrationOutcome await(ApiClient api, JobId job, String attempt)
        throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      while (true) {
        MigrationOutcome last = api.get(ApiPaths.job(job.value()), JobRecord.class).lastMigration();
        if (last != null && attempt.equals(last.attempt()) && last.endedAt() != null) {
          return last;
        }
        if (System.nanoTime() > deadline) {
          throw new GridCtlException(
              "no outcome for the move of job "
                  + job
                  + " after "
                  + timeoutSeconds
                  + " s; "
                  + node
                  + " stays");
        }
        Thread.sleep(200);
      }
    }
  }
}
