package io.roam.manager.operations;

import io.roam.common.api.DetachRequest;
import io.roam.common.api.OperationRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.store.CuratorGridStore;
import io.roam.store.NodeFlagStore;
import io.roam.web.HttpProblem;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster operations: requests become persisted operation records; the leading manager (Curator
 * leader election) drives them. A suspended ZooKeeper connection pauses the driving (the leadership
 * may be stale); a lost one ends the leadership.
 */
public final class OperationService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationService.class);

  private final CuratorGridStore store;
  private final Clock clock;
  private final LeaderLatch latch;
  private final OperationEngine engine;
  private final NodeFlagStore flags;
  private final int parallelism;
  private volatile boolean suspended;
  // At most one extra step queued at a time: a burst of job changes makes one step.
  private final AtomicBoolean stepQueued = new AtomicBoolean();
  // The agent calls of one step go out at once (each waits only for the agent's acceptance).
  private final java.util.concurrent.ExecutorService calls =
      Executors.newCachedThreadPool(DaemonThreads.named("operations-call"));
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("operations"));

  public OperationService(
      CuratorGridStore store,
      OperationEngine.Mover mover,
      Clock clock,
      String managerId,
      int parallelism) {
    this.parallelism = OperationRecord.checkParallel(parallelism);
    this.store = store;
    this.clock = clock;
    this.latch = new LeaderLatch(store.client(), store.layout().managerLeader(), managerId);
    this.flags = new NodeFlagStore(store.client(), store.layout());
    this.engine =
        new OperationEngine(
            store,
            mover,
            clock,
            new java.security.SecureRandom(),
            parallelism,
            Duration.ofSeconds(10),
            this::leading,
            flags::all);
    engine.callingOn(calls);
    io.roam.store.CuratorClusterStore clusters =
        new io.roam.store.CuratorClusterStore(store.client(), store.layout());
    engine.usingPolicies(
        c ->
            clusters
                .policy(c)
                .map(io.roam.store.Versioned::value)
                .orElse(io.roam.common.model.ClusterPolicy.defaults()));
    store
        .client()
        .getConnectionStateListenable()
        .addListener(
            (client, state) -> {
              suspended = state == ConnectionState.SUSPENDED || state == ConnectionState.LOST;
              if (state != ConnectionState.CONNECTED) {
                LOG.info(
                    "ZooKeeper connection {}: operations {}",
                    state,
                    suspended ? "paused" : "resumed");
              }
            });
  }

  /**
   * Plans each step from a read model instead of the store: {@code reads} for nodes, clusters and
   * jobs, {@code running} for the operations under way, {@code policies} for the owners' policies.
   * The engine still reads from the store what it acts on. Call before {@link #start}; whoever
   * feeds the read model should {@link #nudge} when it shows a new operation.
   */
  public OperationService readingFrom(
      io.roam.store.GridStore reads,
      java.util.function.Supplier<List<OperationRecord>> running,
      java.util.function.Function<ClusterId, io.roam.common.model.ClusterPolicy> policies) {
    engine.readingFrom(reads, running).usingPolicies(policies);
    return this;
  }

  public OperationService start(Duration every) throws Exception {
    flags.start();
    latch.start();
    timer.scheduleWithFixedDelay(
        this::safeStep, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  public boolean leading() {
    return latch.hasLeadership() && !suspended;
  }

  /**
   * Steps again soon, without waiting for the period: a slot may have freed. The step re-derives
   * everything from ZooKeeper and runs on the same thread as the periodic one, so it changes
   * nothing but the timing.
   */
  public void nudge() {
    if (stepQueued.compareAndSet(false, true)) {
      try {
        timer.execute(
            () -> {
              stepQueued.set(false);
              safeStep();
            });
      } catch (RejectedExecutionException e) {
        stepQueued.set(false); // closed
      }
    }
  }

  /**
   * A job's record changed: if it commits or ends a migration an operation waits for, its slot is
   * free, so the next move starts now rather than at the next periodic step.
   */
  public void jobChanged(JobRecord job) {
    MigrationOutcome last = job.lastMigration();
    if (last != null
        && (last.endedAt() != null || OperationEngine.committed(job))
        && leading()
        && engine.waitsFor(last.attempt())) {
      nudge();
    }
  }

  private int parallelOf(Integer requested) {
    return requested == null ? parallelism : OperationRecord.checkParallel(requested);
  }

  private OperationRecord created(OperationRecord op) {
    store.createOperation(op);
    // Its first step at once, from the store: the read model shows it a little later.
    try {
      timer.execute(
          () -> {
            try {
              if (leading()) {
                engine.step(op);
              }
            } catch (RuntimeException e) {
              LOG.warn("operation {}: first step failed: {}", op.id(), e.toString());
            }
          });
    } catch (RejectedExecutionException e) {
      // closed
    }
    return op;
  }

  private void safeStep() {
    try {
      if (leading()) {
        engine.step();
      }
    } catch (RuntimeException e) {
      LOG.warn("operations step failed: {}", e.toString());
    }
  }

  public OperationRecord detach(ClusterId id, DetachRequest request) {
    ClusterRecord cluster = cluster(id);
    if (cluster.state() != ClusterState.ATTACHED) {
      throw new HttpProblem(
          409,
          "cluster " + id + " is " + cluster.state() + ": only an attached cluster can detach");
    }
    requireNoneRunning(id);
    Instant now = clock.instant();
    long seconds = request.deadlineSeconds() == null ? 0 : request.deadlineSeconds();
    OperationRecord op =
        new OperationRecord(
            newId("detach", id),
            OperationRecord.Kind.DETACH,
            id,
            OperationRecord.State.RUNNING,
            now,
            now,
            seconds == 0 ? null : now.plusSeconds(seconds),
            request.onDeadline(),
            List.of(),
            "planning",
            null,
            parallelOf(request.parallel()));
    return created(op);
  }

  public OperationRecord attach(ClusterId id) {
    return attach(id, OperationRequest.DEFAULTS);
  }

  /** Brings a detached cluster back (no job moves: the setting is only recorded). */
  public OperationRecord attach(ClusterId id, OperationRequest request) {
    ClusterRecord cluster = cluster(id);
    if (cluster.state() == ClusterState.ATTACHED) {
      throw new HttpProblem(409, "cluster " + id + " is attached already");
    }
    requireNoneRunning(id);
    Instant now = clock.instant();
    OperationRecord op =
        new OperationRecord(
            newId("attach", id),
            OperationRecord.Kind.ATTACH,
            id,
            OperationRecord.State.RUNNING,
            now,
            now,
            null,
            null,
            List.of(),
            "attaching",
            null,
            parallelOf(request.parallel()));
    return created(op);
  }

  /** Starts sending every guest on {@code node} away (home, or elsewhere in its home cluster). */
  public OperationRecord expel(NodeId node) {
    return expel(node, OperationRequest.DEFAULTS);
  }

  public OperationRecord expel(NodeId node, OperationRequest request) {
    return nodeOperation(OperationRecord.Kind.EXPEL, node, "expelling guests", request);
  }

  /** Starts calling every job whose home is {@code node} back to it. */
  public OperationRecord bring(NodeId node) {
    return bring(node, OperationRequest.DEFAULTS);
  }

  public OperationRecord bring(NodeId node, OperationRequest request) {
    return nodeOperation(OperationRecord.Kind.BRING, node, "bringing jobs home", request);
  }

  private OperationRecord nodeOperation(
      OperationRecord.Kind kind, NodeId id, String message, OperationRequest request) {
    NodeRecord node =
        store
            .node(id)
            .orElseThrow(
                () ->
                    new HttpProblem(
                        404, "unknown node '" + id + "': it is not up (see gridctl node list)"));
    store.operations().stream()
        .filter(o -> o.state() == OperationRecord.State.RUNNING)
        .filter(
            o -> id.equals(o.node()) || (o.node() == null && o.cluster().equals(node.cluster())))
        .findFirst()
        .ifPresent(
            o -> {
              throw new HttpProblem(
                  409, o.subject() + " has operation " + o.id() + " under way (" + o.kind() + ")");
            });
    Instant now = clock.instant();
    OperationRecord op =
        new OperationRecord(
            kind.name().toLowerCase(java.util.Locale.ROOT)
                + "-"
                + id.value()
                + "-"
                + Long.toString(clock.millis(), 36),
            kind,
            node.cluster(),
            OperationRecord.State.RUNNING,
            now,
            now,
            null,
            null,
            List.of(),
            message,
            id,
            parallelOf(request.parallel()));
    return created(op);
  }

  public OperationRecord operation(String id) {
    try {
      return store
          .operation(id)
          .orElseThrow(() -> new HttpProblem(404, "unknown operation '" + id + "'"))
          .value();
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage());
    }
  }

  public List<OperationRecord> operations() {
    return store.operations();
  }

  private ClusterRecord cluster(ClusterId id) {
    return store
        .cluster(id)
        .orElseThrow(
            () -> new HttpProblem(404, "unknown cluster '" + id + "' (see gridctl cluster list)"));
  }

  private void requireNoneRunning(ClusterId id) {
    store.operations().stream()
        .filter(o -> o.cluster().equals(id) && o.state() == OperationRecord.State.RUNNING)
        .findFirst()
        .ifPresent(
            o -> {
              throw new HttpProblem(
                  409,
                  "cluster " + id + " has operation " + o.id() + " under way (" + o.kind() + ")");
            });
  }

  private String newId(String kind, ClusterId cluster) {
    return kind + "-" + cluster.value() + "-" + Long.toString(clock.millis(), 36);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    calls.shutdownNow();
    flags.close();
    try {
      latch.close();
    } catch (Exception e) {
      LOG.debug("closing the leader latch: {}", e.toString());
    }
  }
}
