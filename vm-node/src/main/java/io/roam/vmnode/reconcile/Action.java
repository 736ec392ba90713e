package io.roam.vmnode.reconcile;

import io.roam.vmnode.spec.DomainSpec;

/** One step of a {@link Plan}, on one managed domain. */
public sealed interface Action {
  String name();

  /** Make the domain's files (verified base, overlay, seed) and define it, marked as Roam's. */
  record Define(DomainSpec spec) implements Action {
    @Override
    public String name() {
      return spec.name();
    }
  }

  record Start(String name) implements Action {}

  /** Ask the guest to power off (ACPI); the domain is destroyed only if it outlives a timeout. */
  record Shutdown(String name) implements Action {}

  /** Stop at once: the last resort, with the reason it came to that. */
  record Destroy(String name, String reason) implements Action {}

  /** Remove the definition and the domain's files. */
  record Undefine(String name) implements Action {}
}
