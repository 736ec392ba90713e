package io.roam.vmnode.hypervisor;

import java.util.Objects;
import java.util.Optional;

/**
 * A domain as the hypervisor has it now (observed state). {@code mark} is present only for domains
 * that vm-node manages.
 */
public record ObservedDomain(
    String name, DomainState state, int vcpus, long memoryKib, Optional<RoamMark> mark) {
  public ObservedDomain {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(mark, "mark");
  }

  public boolean managed() {
    return mark.isPresent();
  }
}
