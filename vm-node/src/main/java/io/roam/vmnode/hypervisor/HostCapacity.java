package io.roam.vmnode.hypervisor;

/**
 * The machine's size as libvirt sees it.
 *
 * @param freeMemoryBytes memory the host kernel reports free right now (not what is unallocated)
 */
public record HostCapacity(int cpus, long memoryBytes, long freeMemoryBytes) {}
