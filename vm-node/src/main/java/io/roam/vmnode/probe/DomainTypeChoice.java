package io.roam.vmnode.probe;

import io.roam.vmnode.hypervisor.DomainType;
import java.util.Optional;

/** The configured domain type: fixed, or decided by a probe at start-up. */
public enum DomainTypeChoice {
  AUTO,
  KVM,
  QEMU;

  /** The fixed type, empty for {@link #AUTO}. */
  public Optional<DomainType> fixed() {
    return switch (this) {
      case AUTO -> Optional.empty();
      case KVM -> Optional.of(DomainType.KVM);
      case QEMU -> Optional.of(DomainType.QEMU);
    };
  }
}
