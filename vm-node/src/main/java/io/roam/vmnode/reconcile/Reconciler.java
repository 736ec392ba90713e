package io.roam.vmnode.reconcile;

import io.roam.vmnode.hypervisor.ObservedDomain;
import io.roam.vmnode.spec.DomainSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The pure decision core of vm-node: desired domains for this host against the domains the
 * hypervisor has, to a {@link Plan}. No I/O; time comes in as an argument.
 *
 * <p>Rules (only domains carrying the Roam mark are ever acted on):
 *
 * <ol>
 *   <li>desired, absent → define, start.
 *   <li>desired, shut off → start; if its mark's spec fingerprint differs → undefine, define, start
 *       (a stopped node is rebuilt from the new spec).
 *   <li>desired, running with another fingerprint → left running; noted (applies once stopped).
 *   <li>desired, crashed → destroy, start.
 *   <li>desired, paused or unknown state → left alone; noted.
 *   <li>not desired, running or shutting down → ACPI shutdown; if it is still up {@code
 *       shutdownTimeout} after the first request → destroy, undefine.
 *   <li>not desired, paused or crashed (cannot act on ACPI) → destroy, undefine.
 *   <li>not desired, shut off → undefine.
 *   <li>a desired name held by an unmanaged domain → nothing; noted as a conflict.
 * </ol>
 */
public final class Reconciler {
  private final Duration shutdownTimeout;

  public Reconciler(Duration shutdownTimeout) {
    if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
      throw new IllegalArgumentException("shutdown timeout must be positive");
    }
    this.shutdownTimeout = shutdownTimeout;
  }

  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /**
   * @param desired the domains this host should run (each name once)
   * @param observed every domain the hypervisor has, managed or not
   * @param shutdownRequested when an ACPI shutdown was first asked for, by domain name
   * @param now the current time
   */
  public Plan plan(
      List<DomainSpec> desired,
      List<ObservedDomain> observed,
      Map<String, Instant> shutdownRequested,
      Instant now) {
    Objects.requireNonNull(now, "now");
    Map<String, ObservedDomain> byName = new LinkedHashMap<>();
    for (ObservedDomain o : observed) {
      byName.put(o.name(), o);
    }
    Map<String, DomainSpec> wanted = new LinkedHashMap<>();
    for (DomainSpec d : desired) {
      if (wanted.put(d.name(), d) != null) {
        throw new IllegalArgumentException("domain " + d.name() + " is desired twice");
      }
    }
    List<Action> actions = new ArrayList<>();
    List<String> notes = new ArrayList<>();

    // Removals first: they free memory and ports for what comes next.
    for (ObservedDomain o : byName.values()) {
      if (!o.managed() || wanted.containsKey(o.name())) {
        continue;
      }
      String n = o.name();
      switch (o.state()) {
        case RUNNING, SHUTTING_DOWN -> {
          Instant asked = shutdownRequested.get(n);
          if (asked == null) {
            actions.add(new Action.Shutdown(n));
          } else if (!now.isBefore(asked.plus(shutdownTimeout))) {
            actions.add(
                new Action.Destroy(
                    n,
                    "still "
                        + o.state().name().toLowerCase(java.util.Locale.ROOT)
                        + " "
                        + shutdownTimeout.toSeconds()
                        + " s after the ACPI shutdown request"));
            actions.add(new Action.Undefine(n));
          } else {
            notes.add(n + ": waiting for the guest to power off (ACPI requested at " + asked + ")");
          }
        }
        case PAUSED, CRASHED -> {
          actions.add(
              new Action.Destroy(
                  n, o.state().name().toLowerCase(java.util.Locale.ROOT) + ": ACPI cannot act"));
          actions.add(new Action.Undefine(n));
        }
        case SHUT_OFF -> actions.add(new Action.Undefine(n));
        case UNKNOWN -> notes.add(n + ": state unknown; left alone until it is known");
      }
    }

    for (DomainSpec spec : wanted.values()) {
      String n = spec.name();
      ObservedDomain o = byName.get(n);
      if (o == null) {
        actions.add(new Action.Define(spec));
        actions.add(new Action.Start(n));
        continue;
      }
      if (!o.managed()) {
        notes.add(
            n
                + ": conflict: a domain of that name exists that vm-node does not manage; left alone");
        continue;
      }
      boolean current =
          o.mark().orElseThrow().specFingerprint().equals(spec.mark().specFingerprint());
      switch (o.state()) {
        case SHUT_OFF -> {
          if (!current) {
            actions.add(new Action.Undefine(n));
            actions.add(new Action.Define(spec));
          }
          actions.add(new Action.Start(n));
        }
        case RUNNING, SHUTTING_DOWN -> {
          if (!current) {
            notes.add(n + ": defined from an older spec; the new one applies once it is stopped");
          }
        }
        case CRASHED -> {
          actions.add(new Action.Destroy(n, "crashed"));
          if (!current) {
            actions.add(new Action.Undefine(n));
            actions.add(new Action.Define(spec));
          }
          actions.add(new Action.Start(n));
        }
        case PAUSED -> notes.add(n + ": paused; left as it is");
        case UNKNOWN -> notes.add(n + ": state unknown; left alone until it is known");
      }
    }
    return new Plan(actions, notes);
  }
}
