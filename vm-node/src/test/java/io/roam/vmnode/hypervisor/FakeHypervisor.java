package io.roam.vmnode.hypervisor;

import io.roam.vmnode.spec.DomainSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An in-memory {@link Hypervisor} for unit tests and fault injection: guests may ignore ACPI, and
 * any operation may be made to fail. Like the real adapter, it refuses to touch unmanaged domains.
 */
public final class FakeHypervisor implements Hypervisor {
  private final Map<String, ObservedDomain> domains = new LinkedHashMap<>();
  private final List<String> calls = new ArrayList<>();
  private Predicate<String> ignoresAcpi = name -> false;
  private Predicate<String> failing = call -> false;

  /** Adds a domain that vm-node does not manage. */
  public FakeHypervisor withForeign(String name, DomainState state) {
    domains.put(name, new ObservedDomain(name, state, 1, 1024, Optional.empty()));
    return this;
  }

  public FakeHypervisor withManaged(String name, DomainState state, RoamMark mark) {
    domains.put(name, new ObservedDomain(name, state, 1, 1024 * 256, Optional.of(mark)));
    return this;
  }

  /** Guests whose name matches never act on the ACPI power button. */
  public FakeHypervisor ignoringAcpi(Predicate<String> names) {
    ignoresAcpi = names;
    return this;
  }

  /** Calls (like "define roam-n1" or "start roam-n1") that match fail. */
  public FakeHypervisor failing(Predicate<String> calls) {
    failing = calls;
    return this;
  }

  /** Every state-changing call made, as "verb name". */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  public synchronized Optional<ObservedDomain> domain(String name) {
    return Optional.ofNullable(domains.get(name));
  }

  @Override
  public HypervisorInfo info() {
    return new HypervisorInfo(
        "fake:///", "FAKE", "9.0.0", Set.of("qemu"), Optional.of(Path.of("/bin/false")));
  }

  @Override
  public HostCapacity capacity() {
    return new HostCapacity(8, 16L << 30, 8L << 30);
  }

  @Override
  public synchronized List<ObservedDomain> domains() {
    check("list", "");
    List<ObservedDomain> all = new ArrayList<>(domains.values());
    all.sort(Comparator.comparing(ObservedDomain::name));
    return all;
  }

  @Override
  public synchronized void define(DomainSpec spec) {
    check("define", spec.name());
    ObservedDomain existing = domains.get(spec.name());
    if (existing != null && !existing.managed()) {
      throw new HypervisorException("refusing to define " + spec.name() + ": not managed");
    }
    domains.put(
        spec.name(),
        new ObservedDomain(
            spec.name(),
            existing == null ? DomainState.SHUT_OFF : existing.state(),
            spec.vcpus(),
            spec.memoryMib() * 1024,
            Optional.of(spec.mark())));
  }

  @Override
  public synchronized void start(String name) {
    ObservedDomain d = managed("start", name);
    if (d.state() != DomainState.SHUT_OFF) {
      throw new HypervisorException(name + " is already running");
    }
    set(d, DomainState.RUNNING);
  }

  @Override
  public synchronized void shutdown(String name) {
    ObservedDomain d = managed("shutdown", name);
    if (!d.state().isActive()) {
      throw new HypervisorException(name + " is not running");
    }
    set(d, ignoresAcpi.test(name) ? DomainState.SHUTTING_DOWN : DomainState.SHUT_OFF);
  }

  @Override
  public synchronized void destroy(String name) {
    ObservedDomain d = managed("destroy", name);
    if (d.state() == DomainState.SHUT_OFF) {
      throw new HypervisorException(name + " is not running");
    }
    set(d, DomainState.SHUT_OFF);
  }

  @Override
  public synchronized void undefine(String name) {
    managed("undefine", name);
    domains.remove(name);
  }

  @Override
  public synchronized Optional<DomainStats> stats(String name) {
    return Optional.ofNullable(domains.get(name))
        .map(d -> new DomainStats(name, d.state(), d.vcpus(), d.memoryKib(), 0));
  }

  @Override
  public void close() {}

  private ObservedDomain managed(String verb, String name) {
    check(verb, name);
    ObservedDomain d = domains.get(name);
    if (d == null) {
      throw new HypervisorException("no domain " + name);
    }
    if (!d.managed()) {
      throw new HypervisorException("refusing to " + verb + " " + name + ": not managed");
    }
    return d;
  }

  private void check(String verb, String name) {
    String call = name.isEmpty() ? verb : verb + " " + name;
    if (!verb.equals("list")) {
      calls.add(call);
    }
    if (failing.test(call)) {
      throw new HypervisorException("injected failure: " + call);
    }
  }

  private void set(ObservedDomain d, DomainState s) {
    domains.put(d.name(), new ObservedDomain(d.name(), s, d.vcpus(), d.memoryKib(), d.mark()));
  }
}
