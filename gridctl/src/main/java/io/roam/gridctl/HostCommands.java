package io.roam.gridctl;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.AddVmsRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.VmSummary;
import io.roam.common.id.ClusterId;
import io.roam.common.json.Json;
import io.roam.common.model.DirectBoot;
import io.roam.common.model.HostRecord;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import io.roam.gridctl.output.Table;
import java.io.PrintStream;
import java.util.List;
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
      description = "Give a node's VM back (refused while jobs run on it).")
  static final class VmRemove implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--host", required = true, description = "The host.")
    String host;

    @Parameters(paramLabel = "NODE", description = "The node whose VM goes.")
    String node;

    @Override
    public Integer call() {
      grid.client().delete(ApiPaths.hostVms(host) + "/" + node);
      OUT.printf("%s will be shut down and removed from %s.%n", node, host);
      return 0;
    }
  }
}
