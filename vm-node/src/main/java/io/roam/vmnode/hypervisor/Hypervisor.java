package io.roam.vmnode.hypervisor;

import io.roam.vmnode.spec.DomainSpec;
import java.io.Closeable;
import java.util.List;
import java.util.Optional;

/**
 * The VM operations vm-node needs, by domain name. The real implementation speaks to libvirt; an
 * in-memory one serves unit tests and fault injection. Every method throws {@link
 * HypervisorException} when the hypervisor fails.
 */
public interface Hypervisor extends Closeable {

  HypervisorInfo info();

  HostCapacity capacity();

  /** Every domain, managed or not, with its state and (for managed ones) the Roam mark. */
  List<ObservedDomain> domains();

  /** Defines (persistently, not started) a domain from its spec; the domain carries the mark. */
  void define(DomainSpec spec);

  void start(String name);

  /** Asks the guest to power off (ACPI power button); returns at once. */
  void shutdown(String name);

  /** Pulls the plug: stops the domain immediately. */
  void destroy(String name);

  /** Removes a stopped domain's definition. */
  void undefine(String name);

  Optional<DomainStats> stats(String name);

  @Override
  void close();
}
