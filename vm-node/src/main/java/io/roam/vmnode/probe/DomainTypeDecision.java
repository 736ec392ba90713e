package io.roam.vmnode.probe;

import io.roam.vmnode.hypervisor.DomainType;
import java.util.Objects;

/** The domain type this host runs its VMs with, and why. */
public record DomainTypeDecision(DomainType type, String reason) {
  public DomainTypeDecision {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(reason, "reason");
  }
}
