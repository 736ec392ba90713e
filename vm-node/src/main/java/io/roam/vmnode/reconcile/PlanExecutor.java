package io.roam.vmnode.reconcile;

import io.roam.vmnode.hypervisor.Hypervisor;
import io.roam.vmnode.image.Provisioner;
import io.roam.vmnode.spec.DomainSpecs;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies plans to the hypervisor, one action at a time. A failing action is logged and skips the
 * rest of that domain's actions in the plan; other domains go on. It remembers when it asked each
 * domain to shut down, which the reconciler needs to decide when to give up on ACPI.
 */
public final class PlanExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(PlanExecutor.class);

  /** What one plan did. */
  public record Outcome(List<Action> applied, List<String> failures) {}

  private final Hypervisor hypervisor;
  private final Provisioner provisioner;
  private final DomainSpecs specs;
  private final Clock clock;
  private final Map<String, Instant> shutdownRequested = new ConcurrentHashMap<>();
  // What was logged last, so that a condition that persists round after round is logged once.
  private final Map<String, String> lastFailure = new HashMap<>();
  private Set<String> lastNotes = Set.of();

  public PlanExecutor(
      Hypervisor hypervisor, Provisioner provisioner, DomainSpecs specs, Clock clock) {
    this.hypervisor = hypervisor;
    this.provisioner = provisioner;
    this.specs = specs;
    this.clock = clock;
  }

  /** When an ACPI shutdown was first asked for, per domain still pending. */
  public Map<String, Instant> shutdownRequested() {
    return Map.copyOf(shutdownRequested);
  }

  /** Forgets shutdown requests of domains that are gone or wanted again. */
  public void retainShutdowns(Set<String> stillUnwantedAndPresent) {
    shutdownRequested.keySet().retainAll(stillUnwantedAndPresent);
  }

  public Outcome apply(Plan plan) {
    List<Action> applied = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Set<String> failed = new HashSet<>();
    for (String note : plan.notes()) {
      if (!lastNotes.contains(note)) {
        LOG.info("{}", note);
      }
    }
    lastNotes = Set.copyOf(plan.notes());
    for (Action a : plan.actions()) {
      if (failed.contains(a.name())) {
        continue;
      }
      try {
        run(a);
        applied.add(a);
        lastFailure.remove(a.name());
      } catch (RuntimeException e) {
        failed.add(a.name());
        String msg = a.name() + ": " + describe(a) + " failed: " + e.getMessage();
        failures.add(msg);
        if (msg.equals(lastFailure.put(a.name(), msg))) {
          LOG.debug("{} (again)", msg);
        } else {
          LOG.error("{}", msg);
        }
      }
    }
    return new Outcome(applied, failures);
  }

  private void run(Action a) {
    if (a instanceof Action.Define d) {
      LOG.info(
          "{}: defining ({} vCPU, {} MiB, type {})",
          d.name(),
          d.spec().vcpus(),
          d.spec().memoryMib(),
          d.spec().type().xmlName());
      provisioner.prepare(d.spec());
      try {
        hypervisor.define(d.spec());
      } catch (RuntimeException e) {
        provisioner.remove(d.spec().directory());
        throw e;
      }
    } else if (a instanceof Action.Start s) {
      LOG.info("{}: starting", s.name());
      hypervisor.start(s.name());
    } else if (a instanceof Action.Shutdown s) {
      LOG.info("{}: asking the guest to power off (ACPI)", s.name());
      hypervisor.shutdown(s.name());
      shutdownRequested.putIfAbsent(s.name(), clock.instant());
    } else if (a instanceof Action.Destroy d) {
      LOG.warn("{}: destroying it: {}", d.name(), d.reason());
      hypervisor.destroy(d.name());
    } else if (a instanceof Action.Undefine u) {
      LOG.info("{}: undefining it and removing its files", u.name());
      hypervisor.undefine(u.name());
      shutdownRequested.remove(u.name());
      provisioner.remove(specs.directoryOf(u.name()));
    } else {
      throw new IllegalStateException("unknown action " + a);
    }
  }

  private static String describe(Action a) {
    return a.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }
}
