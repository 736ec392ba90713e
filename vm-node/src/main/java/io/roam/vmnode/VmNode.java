package io.roam.vmnode;

import io.roam.common.id.HostId;
import io.roam.common.model.HostDesiredState;
import io.roam.common.model.HostRecord;
import io.roam.store.HostRegistration;
import io.roam.store.HostStore;
import io.roam.vmnode.host.HostRecords;
import io.roam.vmnode.hypervisor.HostCapacity;
import io.roam.vmnode.hypervisor.Hypervisor;
import io.roam.vmnode.hypervisor.ObservedDomain;
import io.roam.vmnode.image.Provisioner;
import io.roam.vmnode.probe.DomainTypeDecision;
import io.roam.vmnode.reconcile.Plan;
import io.roam.vmnode.reconcile.PlanExecutor;
import io.roam.vmnode.reconcile.Reconciler;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.DomainSpecs;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vm-node daemon of one host: registers the host, watches the host's desired state, and
 * reconciles it with the hypervisor on every change and every {@code reconcileInterval}.
 *
 * <p>All reconciling runs on one thread. Until the desired state has been read once nothing is
 * changed (unknown is not empty). Stopping the daemon leaves the domains as they are: the next
 * daemon adopts them by their mark.
 */
public final class VmNode implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(VmNode.class);

  /** Life-cycle, moved forward only, by compare-and-set. */
  public enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final HostId hostId;
  private final Hypervisor hypervisor;
  private final HostStore store;
  private final DomainSpecs specs;
  private final Reconciler reconciler;
  private final PlanExecutor executor;
  private final DomainTypeDecision domainType;
  private final Duration interval;
  private final Clock clock;
  private final Instant startedAt;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "vm-node-reconcile");
            t.setDaemon(true);
            return t;
          });

  private volatile Optional<HostDesiredState> desired = Optional.empty();
  private volatile boolean desiredKnown;
  private HostRegistration registration;
  private Closeable watch;
  private String libvirtVersion;
  private List<String> problems = List.of();

  public VmNode(
      HostId hostId,
      Hypervisor hypervisor,
      Provisioner provisioner,
      HostStore store,
      DomainSpecs specs,
      DomainTypeDecision domainType,
      Duration reconcileInterval,
      Duration shutdownTimeout,
      Clock clock) {
    this.hostId = Objects.requireNonNull(hostId);
    this.hypervisor = Objects.requireNonNull(hypervisor);
    this.store = Objects.requireNonNull(store);
    this.specs = Objects.requireNonNull(specs);
    this.domainType = Objects.requireNonNull(domainType);
    this.interval = Objects.requireNonNull(reconcileInterval);
    this.clock = Objects.requireNonNull(clock);
    this.reconciler = new Reconciler(shutdownTimeout);
    this.executor = new PlanExecutor(hypervisor, provisioner, specs, clock);
    this.startedAt = clock.instant();
  }

  public State state() {
    return state.get();
  }

  /**
   * Registers the host and starts watching and reconciling. Call once; if it fails, whatever it had
   * started is closed again.
   */
  public void start() {
    if (!state.compareAndSet(State.NEW, State.STARTED)) {
      throw new IllegalStateException("vm-node is " + state.get() + "; start() is called once");
    }
    try {
      doStart();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void doStart() {
    libvirtVersion = hypervisor.info().libvirtVersion();
    registration = store.registerHost(record(hypervisor.capacity(), hypervisor.domains()));
    LOG.info(
        "host {} registered: libvirt {}, domain type {} ({})",
        hostId,
        libvirtVersion,
        domainType.type().xmlName(),
        domainType.reason());
    watch =
        store.watchDesiredState(
            hostId,
            next -> {
              desired = next;
              desiredKnown = true;
              LOG.info(
                  "desired state of {} changed: {} domain(s)",
                  hostId,
                  next.map(s -> s.domains().size()).orElse(0));
              reconcileSoon();
            });
    loop.scheduleWithFixedDelay(
        this::reconcileQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Queues a reconcile on the daemon's thread. */
  public Future<?> reconcileSoon() {
    try {
      return loop.submit(this::reconcileQuietly);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(null); // closing
    }
  }

  private void reconcileQuietly() {
    if (state.get() != State.STARTED) {
      return;
    }
    try {
      reconcile();
    } catch (RuntimeException e) {
      LOG.error(
          "reconcile of host {} failed; retrying in {} s: {}",
          hostId,
          interval.toSeconds(),
          e.getMessage(),
          e);
    }
  }

  private void reconcile() {
    List<ObservedDomain> observed = hypervisor.domains();
    if (desiredKnown) {
      List<DomainSpec> wanted =
          desired.map(HostDesiredState::domains).orElse(List.of()).stream()
              .map(specs::forDesired)
              .toList();
      Set<String> wantedNames = wanted.stream().map(DomainSpec::name).collect(Collectors.toSet());
      executor.retainShutdowns(
          observed.stream()
              .filter(o -> o.managed() && !wantedNames.contains(o.name()))
              .map(ObservedDomain::name)
              .collect(Collectors.toSet()));
      Plan plan = reconciler.plan(wanted, observed, executor.shutdownRequested(), clock.instant());
      PlanExecutor.Outcome outcome = executor.apply(plan);
      if (!outcome.applied().isEmpty() || !outcome.failures().isEmpty()) {
        observed = hypervisor.domains();
      }
      List<String> now = new ArrayList<>(outcome.failures());
      now.addAll(plan.notes());
      problems = List.copyOf(now);
    }
    publish(record(hypervisor.capacity(), observed));
  }

  private HostRecord record(HostCapacity capacity, List<ObservedDomain> observed) {
    return HostRecords.of(
        hostId, capacity, libvirtVersion, domainType, observed, problems, startedAt);
  }

  private void publish(HostRecord next) {
    if (!next.equals(registration.host())) {
      registration.update(next);
    }
  }

  /**
   * Stops watching and reconciling and removes the host record. Domains keep running; the next
   * vm-node on this host adopts them.
   */
  @Override
  public void close() {
    if (state.getAndSet(State.CLOSED) != State.STARTED) {
      loop.shutdownNow();
      return;
    }
    loop.shutdown();
    try {
      if (!loop.awaitTermination(30, TimeUnit.SECONDS)) {
        loop.shutdownNow();
      }
    } catch (InterruptedException e) {
      loop.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (watch != null) {
      try {
        watch.close();
      } catch (IOException e) {
        LOG.warn("closing the desired-state watch: {}", e.toString());
      }
    }
    if (registration == null) {
      return;
    }
    registration.close();
    LOG.info("host {} unregistered; its domains are left as they are", hostId);
  }
}
