package io.roam.vmnode.hypervisor;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * What a hypervisor connection offers.
 *
 * @param uri the connection URI, e.g. qemu:///system
 * @param driver the driver name libvirt reports, e.g. QEMU or TEST
 * @param libvirtVersion the libvirt library version, e.g. 9.0.0
 * @param domainTypes the x86_64 domain types the capabilities list (kvm, qemu, test, ...)
 * @param emulator the x86_64 emulator binary the capabilities name, if any
 */
public record HypervisorInfo(
    String uri,
    String driver,
    String libvirtVersion,
    Set<String> domainTypes,
    Optional<Path> emulator) {}
