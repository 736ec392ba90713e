package io.roam.common.model;

import io.roam.common.id.HostId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A live host, as its vm-node registers it (an ephemeral znode: it vanishes with the daemon).
 *
 * @param cpus logical CPUs of the machine
 * @param memoryBytes physical memory of the machine
 * @param freeVcpus CPUs not yet given to running domains (negative when overcommitted)
 * @param freeMemoryBytes memory not yet given to running domains
 * @param libvirtVersion version of the libvirt library, e.g. "9.0.0"
 * @param domainType the libvirt domain type this host runs its VMs with: "kvm" or "qemu" (TCG)
 * @param domainTypeReason why that type was chosen (configuration or probe outcome)
 * @param domains the Roam domains this host has, as last observed
 * @param problems what the last reconcile could not do or chose not to touch (for example a base
 *     image whose checksum does not match, or a domain name held by a VM vm-node does not manage)
 */
public record HostRecord(
    HostId id,
    int cpus,
    long memoryBytes,
    int freeVcpus,
    long freeMemoryBytes,
    String libvirtVersion,
    String domainType,
    String domainTypeReason,
    List<Domain> domains,
    List<String> problems,
    Instant startedAt) {

  public HostRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(libvirtVersion, "libvirtVersion");
    Objects.requireNonNull(domainType, "domainType");
    Objects.requireNonNull(startedAt, "startedAt");
    if (cpus < 1) {
      throw new IllegalArgumentException("a host needs at least one CPU, not " + cpus);
    }
    if (memoryBytes < 1) {
      throw new IllegalArgumentException("memory must be positive, not " + memoryBytes);
    }
    domains = domains == null ? List.of() : List.copyOf(domains);
    problems = problems == null ? List.of() : List.copyOf(problems);
  }

  /** One Roam domain on the host, as observed: its libvirt name, node and state. */
  public record Domain(String name, NodeId node, String state) {
    public Domain {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(state, "state");
    }
  }
}
