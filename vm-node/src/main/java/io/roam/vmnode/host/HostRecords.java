package io.roam.vmnode.host;

import io.roam.common.id.HostId;
import io.roam.common.model.HostRecord;
import io.roam.vmnode.hypervisor.HostCapacity;
import io.roam.vmnode.hypervisor.ObservedDomain;
import io.roam.vmnode.probe.DomainTypeDecision;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Builds the record a host publishes: its size, what is still free, and its Roam domains. Free
 * capacity counts every active domain on the host, Roam's or not, since they all use the machine.
 */
public final class HostRecords {
  private HostRecords() {}

  public static HostRecord of(
      HostId id,
      HostCapacity capacity,
      String libvirtVersion,
      DomainTypeDecision type,
      List<ObservedDomain> observed,
      List<String> problems,
      Instant startedAt) {
    int usedVcpus = 0;
    long usedBytes = 0;
    for (ObservedDomain d : observed) {
      if (d.state().isActive()) {
        usedVcpus += d.vcpus();
        usedBytes += d.memoryKib() * 1024;
      }
    }
    List<HostRecord.Domain> domains =
        observed.stream()
            .filter(ObservedDomain::managed)
            .map(
                d ->
                    new HostRecord.Domain(
                        d.name(),
                        d.mark().orElseThrow().node(),
                        d.state().name().toLowerCase(Locale.ROOT)))
            .toList();
    return new HostRecord(
        id,
        capacity.cpus(),
        capacity.memoryBytes(),
        capacity.cpus() - usedVcpus,
        Math.max(0, capacity.memoryBytes() - usedBytes),
        libvirtVersion,
        type.type().xmlName(),
        type.reason(),
        domains,
        problems,
        startedAt);
  }
}
