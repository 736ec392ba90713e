package io.roam.vmnode;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.PortForward;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.RoamMark;
import io.roam.vmnode.libvirt.DomainXml;
import io.roam.vmnode.spec.DiskSpec;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.KernelBoot;
import io.roam.vmnode.spec.NodeIdentity;
import io.roam.vmnode.spec.SeedSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prints the libvirt domain XML that vm-node would define for a VM, from the same renderer ({@link
 * DomainXml}), so that scripts (images/boot-test-libvirt.sh) boot exactly what vm-node boots:
 * {@code java -cp vm-node.jar io.roam.vmnode.RenderDomainMain --help}.
 */
@Command(
    name = "render-domain",
    mixinStandardHelpOptions = true,
    description = {
      "Print the libvirt domain XML vm-node defines for a Roam VM.",
      "",
      "DIR holds the VM's files under vm-node's names: disk.qcow2 (the overlay), seed.iso (the",
      "seed disk, any filesystem labelled ROAM-SEED) and console.log (the serial console)."
    })
public final class RenderDomainMain implements Callable<Integer> {
  @Option(names = "--name", required = true, description = "Domain name (roam-...).")
  String name;

  @Option(names = "--dir", required = true, description = "The VM's directory (DIR).")
  Path dir;

  @Option(
      names = "--domain-type",
      defaultValue = "qemu",
      description = "kvm or qemu (TCG) (default: ${DEFAULT-VALUE}).")
  String type;

  @Option(names = "--vcpus", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
  int vcpus;

  @Option(
      names = "--memory-mib",
      defaultValue = "1024",
      description = "(default: ${DEFAULT-VALUE})")
  long memoryMib;

  @Option(names = "--kernel", description = "Kernel to boot directly (with --initrd).")
  Path kernel;

  @Option(names = "--initrd", description = "Its initrd.")
  Path initrd;

  @Option(
      names = "--cmdline",
      defaultValue = io.roam.common.model.DirectBoot.DEFAULT_CMDLINE,
      description = "Kernel command line (default: ${DEFAULT-VALUE}).")
  String cmdline;

  @Option(
      names = "--forward",
      paramLabel = "HOST:GUEST",
      description =
          "A TCP and UDP port forward from the forward address's port HOST to the guest"
              + " (repeatable).")
  List<String> forwards = new ArrayList<>();

  @Option(
      names = "--forward-address",
      defaultValue = ForwardAddress.DEFAULT,
      paramLabel = "ADDR",
      description = "Host IPv4 address the forwards bind to (default: ${DEFAULT-VALUE}).")
  String forwardAddress;

  @Option(
      names = "--unmanaged",
      description = "Leave the Roam mark out, so that no vm-node on this host takes the domain.")
  boolean unmanaged;

  public static void main(String[] args) {
    System.exit(new CommandLine(new RenderDomainMain()).execute(args));
  }

  @Override
  public Integer call() {
    List<PortForward> ports = new ArrayList<>();
    for (String f : forwards) {
      String[] p = f.split(":", -1);
      if (p.length != 2) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--forward '" + f + "' is not HOST:GUEST");
      }
      ports.add(new PortForward(Integer.parseInt(p[0]), Integer.parseInt(p[1])));
    }
    ForwardAddress.problem(forwardAddress)
        .ifPresent(
            p -> {
              throw new CommandLine.ParameterException(new CommandLine(this), p);
            });
    if ((kernel == null) != (initrd == null)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--kernel and --initrd go together");
    }
    Path abs = dir.toAbsolutePath();
    NodeId node = NodeId.of(name.substring("roam-".length()));
    ClusterId cluster = ClusterId.of("render");
    // The seed's contents do not appear in the domain, only its path.
    NodeIdentity identity =
        new NodeIdentity(node, cluster, "render", "none", "none", "none", "unused");
    DomainSpec spec =
        new DomainSpec(
            name,
            DomainType.valueOf(type.toUpperCase(java.util.Locale.ROOT)),
            vcpus,
            memoryMib,
            abs,
            new DiskSpec(abs.resolve("disk.qcow2"), abs.resolve("disk.qcow2"), "-"),
            new SeedSpec(abs.resolve("seed.iso"), identity),
            ports,
            Optional.ofNullable(kernel)
                .map(
                    k ->
                        new KernelBoot(
                            k.toAbsolutePath(), "-", initrd.toAbsolutePath(), "-", cmdline)),
            new RoamMark(node, cluster, "render"),
            forwardAddress);
    String xml = DomainXml.render(spec);
    if (unmanaged) {
      xml = xml.replaceAll("(?s)<metadata>.*?</metadata>", "");
    }
    System.out.println(xml);
    return 0;
  }
}
