package io.roam.vmnode.hypervisor;

/** A domain's life-cycle state, as the hypervisor reports it. */
public enum DomainState {
  RUNNING,
  PAUSED,
  /** An ACPI shutdown is in progress. */
  SHUTTING_DOWN,
  SHUT_OFF,
  CRASHED,
  UNKNOWN;

  /** Whether the domain holds CPUs and memory (running, paused or still shutting down). */
  public boolean isActive() {
    return this == RUNNING || this == PAUSED || this == SHUTTING_DOWN;
  }
}
