package io.roam.vmnode.spec;

import io.roam.common.model.PortForward;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.RoamMark;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to define one Roam VM: rendered to libvirt XML by {@code
 * io.roam.vmnode.libvirt.DomainXml}, its files made by {@code io.roam.vmnode.image.Provisioner}.
 *
 * @param directory the domain's own state directory (overlay, seed, console log); removed with it
 * @param ports guest TCP and UDP ports forwarded from {@code forwardAddress} on the host (user-mode
 *     networking)
 * @param boot kernel and initrd to boot directly; empty to boot from the disk's boot loader
 * @param forwardAddress the host's IPv4 address the port forwards bind to (127.0.0.1: reachable
 *     from this host only)
 */
public record DomainSpec(
    String name,
    DomainType type,
    int vcpus,
    long memoryMib,
    Path directory,
    DiskSpec disk,
    SeedSpec seed,
    List<PortForward> ports,
    Optional<KernelBoot> boot,
    RoamMark mark,
    String forwardAddress) {
  public DomainSpec {
    if (forwardAddress == null) {
      forwardAddress = DomainSpecs.LOOPBACK_FORWARD;
    }
    DomainNames.requireManaged(name);
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(disk, "disk");
    Objects.requireNonNull(seed, "seed");
    Objects.requireNonNull(boot, "boot");
    Objects.requireNonNull(mark, "mark");
    ports = List.copyOf(ports);
    if (vcpus < 1) {
      throw new IllegalArgumentException("vcpus must be positive");
    }
    if (memoryMib < 1) {
      throw new IllegalArgumentException("memory must be positive");
    }
  }

  /** A spec whose port forwards bind to 127.0.0.1. */
  public DomainSpec(
      String name,
      DomainType type,
      int vcpus,
      long memoryMib,
      Path directory,
      DiskSpec disk,
      SeedSpec seed,
      List<PortForward> ports,
      Optional<KernelBoot> boot,
      RoamMark mark) {
    this(name, type, vcpus, memoryMib, directory, disk, seed, ports, boot, mark, null);
  }

  public Path consoleLog() {
    return directory.resolve("console.log");
  }
}
