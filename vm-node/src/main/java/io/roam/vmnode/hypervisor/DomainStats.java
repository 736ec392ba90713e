package io.roam.vmnode.hypervisor;

/** Resource use of one domain. */
public record DomainStats(
    String name, DomainState state, int vcpus, long memoryKib, long cpuTimeNanos) {}
