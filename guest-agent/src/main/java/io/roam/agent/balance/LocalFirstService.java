package io.roam.agent.balance;

import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.load.LoadSampler;
import io.roam.agent.migration.Migrator;
import io.roam.agent.placement.GuestEviction;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.store.NodeFlagStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local work first, the owner's policy on every node (whether or not it balances): each tick it
 * asks the pure {@link GuestEviction} whether this cluster's own jobs wait for cores that guests
 * hold, and migrates the guests it names back to their home node, else to another node of their
 * home cluster. Guests are moved, never killed; one that cannot go anywhere stays. The owner turns
 * it off in the cluster's policy ({@code localFirst: false}); a node told to stay moves nothing.
 */
public final class LocalFirstService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFirstService.class);

  private final NodeId self;
  private final ClusterId cluster;
  private final int cores;
  private final JobSupervisor jobs;
  private final LoadSampler sampler;
  private final Migrator migrator;
  private final ClusterPolicyView view;
  private final NodeFlagStore flags;
  private final ToDoubleFunction<NodeId> loadOf;
  private final GuestEviction eviction;
  private final Clock clock;
  private final RandomGenerator random;
  private final Map<JobId, Instant> arrived = new HashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("local-first"));
  private final ExecutorService mover =
      Executors.newFixedThreadPool(2, DaemonThreads.named("local-first-move"));
  private Optional<Instant> pressureSince = Optional.empty();
  private volatile boolean crowded;

  /**
   * @param flags the node flags (this node's stay silences it too; blocked nodes take no one);
   *     null: none
   * @param loadOf a node's load as this node last heard it, to pick among its home cluster's nodes
   */
  public LocalFirstService(
      NodeId self,
      ClusterId cluster,
      int cores,
      JobSupervisor jobs,
      LoadSampler sampler,
      Migrator migrator,
      ClusterPolicyView view,
      NodeFlagStore flags,
      ToDoubleFunction<NodeId> loadOf,
      GuestEviction eviction,
      Clock clock,
      RandomGenerator random) {
    this.self = self;
    this.cluster = cluster;
    this.cores = cores;
    this.jobs = jobs;
    this.sampler = sampler;
    this.migrator = migrator;
    this.view = view;
    this.flags = flags;
    this.loadOf = loadOf;
    this.eviction = eviction;
    this.clock = clock;
    this.random = random;
  }

  public LocalFirstService start(Duration tick) {
    timer.scheduleWithFixedDelay(
        this::safeStep, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void safeStep() {
    try {
      step();
    } catch (RuntimeException e) {
      LOG.warn("local-first check failed: {}", e.toString());
    }
  }

  void step() {
    Map<JobId, Long> roots = jobs.runningRoots();
    Instant now = clock.instant();
    arrived.keySet().retainAll(roots.keySet());
    roots.keySet().forEach(j -> arrived.putIfAbsent(j, now));
    view.retainJobs(roots.keySet());
    if (!view.policy(cluster).isLocalFirstOn()) {
      crowded = false;
      pressureSince = Optional.empty();
      return;
    }
    Map<JobId, LoadSampler.JobSample> samples = sampler.jobs(roots);
    List<GuestEviction.Resident> residents = new ArrayList<>();
    Map<JobId, JobRecord> guests = new HashMap<>();
    samples.forEach(
        (id, s) ->
            view.record(id)
                .ifPresent(
                    r -> {
                      boolean guest = !r.homeCluster().equals(cluster);
                      if (guest) {
                        guests.put(id, r);
                      }
                      residents.add(
                          new GuestEviction.Resident(id, guest, s.runnable(), arrived.get(id)));
                    }));
    GuestEviction.Situation situation =
        new GuestEviction.Situation(cores, residents, pressureSince);
    crowded = GuestEviction.wouldCrowd(situation);
    // One wave at a time: the next decision sees the node after the moves it ordered.
    if (inFlight.get() > 0 || (flags != null && flags.stay(self))) {
      pressureSince = Optional.empty();
      return;
    }
    GuestEviction.Decision d = eviction.decide(situation);
    pressureSince = d.pressureSince();
    for (JobId id : d.sendAway()) {
      JobRecord r = guests.get(id);
      Optional<NodeRecord> target = destination(r);
      if (target.isEmpty()) {
        LOG.info("guest {} stays: no node of its cluster {} is up to take it", id, r.homeCluster());
        continue;
      }
      String attempt = "l" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
      LOG.info(
          "local work first: sending guest {} (of cluster {}) to {}",
          id,
          r.homeCluster(),
          target.get().id());
      inFlight.incrementAndGet();
      mover.execute(
          () -> {
            try {
              MigrationOutcome o = migrator.migrate(id, target.get(), attempt);
              if (!o.succeeded()) {
                LOG.info("guest {} not sent away: {}", id, o);
              }
            } catch (RuntimeException e) {
              LOG.info("guest {} not sent away: {}", id, e.getMessage());
            } finally {
              inFlight.decrementAndGet();
            }
          });
    }
  }

  /**
   * Why this node takes no guest now, if so: its own cluster's jobs would wait for the guest's
   * core, and the guest would soon be sent away again. A cluster's own jobs are not guests.
   */
  public Optional<String> refusal() {
    return crowded
        ? Optional.of(
            "node "
                + self
                + " needs its cores for its own cluster's jobs (local work first); it takes no"
                + " guests now")
        : Optional.empty();
  }

  /** Its home node if up, else the least loaded other node of its home cluster not blocked. */
  private Optional<NodeRecord> destination(JobRecord job) {
    List<NodeRecord> up = view.members();
    Optional<NodeRecord> home =
        up.stream().filter(n -> n.id().equals(job.home()) && !n.id().equals(self)).findFirst();
    if (home.isPresent()) {
      return home;
    }
    return up.stream()
        .filter(n -> n.cluster().equals(job.homeCluster()) && !n.id().equals(self))
        .filter(n -> flags == null || !flags.blocked(n.id()))
        .filter(n -> n.migrationPort() > 0)
        .min(Comparator.comparingDouble(n -> loadOf.applyAsDouble(n.id()) / n.speed()));
  }

  @Override
  public void close() {
    timer.shutdownNow();
    mover.shutdownNow();
  }
}
