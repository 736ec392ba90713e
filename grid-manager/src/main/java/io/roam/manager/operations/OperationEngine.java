package io.roam.manager.operations;

import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeFlags;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.model.OperationRecord.Item;
import io.roam.common.model.OperationRecord.ItemState;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import io.roam.store.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives operations (detach, attach, expel, bring) from their persisted state, one step at a time,
 * on the leading manager only: every decision is re-derived from the grid's records, so a manager
 * that takes over simply goes on. Jobs move by migration, never by killing.
 *
 * <p>The listings a step plans from (nodes, clusters, jobs, running operations) may come from a
 * read model that lags ZooKeeper ({@link #readingFrom}); whatever the step acts on is read again
 * from the store first: the operation (or taken as this engine last wrote it while leading; written
 * back by compare-and-set on its version either way), each job before its move is asked for, the
 * cluster before its state changes, and every job once more before an operation is declared done. A
 * stale listing can so delay a step's work, never make it wrong.
 */
public final class OperationEngine {
  private static final Logger LOG = LoggerFactory.getLogger(OperationEngine.class);

  /** Asks a job's current agent to migrate it (the manager's agent client). */
  public interface Mover {
    void migrate(NodeRecord source, JobId job, AgentMigrateRequest request);
  }

  private final GridStore store;
  private final Mover mover;
  private final Clock clock;
  private final RandomGenerator random;
  private final int parallelism;
  private final Duration retryFailedAfter;
  private final BooleanSupplier leading;
  private final Map<JobId, Instant> failedAt = new HashMap<>();
  private final Supplier<Collection<NodeFlags>> flags;
  private volatile Function<ClusterId, ClusterPolicy> policies = c -> ClusterPolicy.defaults();
  private volatile GridStore reads;
  private volatile Supplier<List<OperationRecord>> running;
  // Attempts of the moves under way as of the last step: their end frees a slot.
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  // Operations stepped directly (step(op)) that the listing may not show yet.
  private final Set<String> unlisted = ConcurrentHashMap.newKeySet();
  // The running operations as this engine last wrote them, with the versions written: while it
  // leads it is their only writer, so a step takes them from here instead of reading them again
  // (a ZooKeeper round trip on the way from one move's commit to the next move's start). A write
  // that finds another version, or fails, drops its entry, and so does a step that does not lead.
  private final Map<String, Versioned<OperationRecord>> written = new ConcurrentHashMap<>();
  // Where a step's agent calls run: in the step's thread unless {@link #callingOn} says otherwise.
  private volatile java.util.concurrent.Executor calls = Runnable::run;

  public OperationEngine(
      GridStore store,
      Mover mover,
      Clock clock,
      RandomGenerator random,
      int parallelism,
      Duration retryFailedAfter,
      BooleanSupplier leading) {
    this(store, mover, clock, random, parallelism, retryFailedAfter, leading, List::of);
  }

  /**
   * @param flags the node flags as last seen (blocked nodes take no expelled guests)
   */
  public OperationEngine(
      GridStore store,
      Mover mover,
      Clock clock,
      RandomGenerator random,
      int parallelism,
      Duration retryFailedAfter,
      BooleanSupplier leading,
      Supplier<Collection<NodeFlags>> flags) {
    this.flags = flags;
    this.store = store;
    this.mover = mover;
    this.clock = clock;
    this.random = random;
    this.parallelism = parallelism;
    this.retryFailedAfter = retryFailedAfter;
    this.leading = leading;
    this.reads = store;
    this.running = store::operations;
  }

  /**
   * Plans from {@code reads} (e.g. the manager's read model) and the operations {@code running}
   * lists, instead of reading every record from the store each step.
   */
  public OperationEngine readingFrom(GridStore reads, Supplier<List<OperationRecord>> running) {
    this.reads = java.util.Objects.requireNonNull(reads, "reads");
    this.running = java.util.Objects.requireNonNull(running, "running");
    return this;
  }

  /**
   * Runs the agent calls of a step's moves on {@code executor}, so that the calls of one step go
   * out at once rather than each after the previous one's answer.
   */
  public OperationEngine callingOn(java.util.concurrent.Executor executor) {
    this.calls = java.util.Objects.requireNonNull(executor, "executor");
    return this;
  }

  /**
   * One step of the new operation {@code op} alone, re-read from the store: it starts without
   * waiting for the listing to show it, and later steps take it until the listing does.
   */
  public synchronized void step(OperationRecord op) {
    unlisted.add(op.id());
    if (leading.getAsBoolean()) {
      stepOne(op, new HashSet<>());
    } else {
      written.clear();
    }
  }

  private void stepOne(OperationRecord op, Set<String> moving) {
    try {
      List<Item> after =
          switch (op.kind()) {
            case DETACH -> stepDetach(op.id());
            case ATTACH -> stepAttach(op.id());
            case EXPEL, BRING -> stepNode(op.id());
          };
      for (Item i : after) {
        if (i.state() == ItemState.MOVING && i.attempt() != null) {
          moving.add(i.attempt());
          inFlight.add(i.attempt()); // at once: a direct step has no pass-wide update after it
        }
      }
    } catch (StoreException e) {
      LOG.warn("operation {}: {}", op.id(), e.getMessage());
    }
  }

  /** One pass over every running operation. */
  public synchronized void step() {
    if (!leading.getAsBoolean()) {
      written.clear(); // another manager may write them now: read them again once leading
    }
    Set<String> moving = new HashSet<>();
    Set<String> listed = new HashSet<>();
    for (OperationRecord op : running.get()) {
      listed.add(op.id());
      if (op.state() != OperationRecord.State.RUNNING || !leading.getAsBoolean()) {
        continue;
      }
      stepOne(op, moving);
    }
    // Operations started directly that the listing does not show yet (stepOne re-reads each, so
    // one that no longer runs is left alone; it is forgotten once listed or ended).
    for (String id : List.copyOf(unlisted)) {
      Optional<Versioned<OperationRecord>> now =
          listed.contains(id) ? Optional.empty() : runningNow(id);
      if (now.isEmpty()) {
        unlisted.remove(id);
      } else if (leading.getAsBoolean()) {
        stepOne(now.get().value(), moving);
      }
    }
    inFlight.addAll(moving);
    inFlight.retainAll(moving);
  }

  /** Whether a running operation waits for migration {@code attempt} (as of the last step). */
  public boolean waitsFor(String attempt) {
    return attempt != null && inFlight.contains(attempt);
  }

  /**
   * The operation as stored now, if it still runs (the listing may be behind): as this engine last
   * wrote it, else read.
   */
  private Optional<Versioned<OperationRecord>> runningNow(String id) {
    Versioned<OperationRecord> mine = written.get(id);
    return (mine != null ? Optional.of(mine) : store.operation(id))
        .filter(v -> v.value().state() == OperationRecord.State.RUNNING);
  }

  /** Writes an operation's next state by compare-and-set, and keeps it if it still runs. */
  private void write(OperationRecord next, int version) {
    written.remove(next.id()); // unknown until the write's answer: a failed one may have landed
    java.util.OptionalInt now = store.compareAndSetOperation(next, version);
    if (now.isPresent() && next.state() == OperationRecord.State.RUNNING) {
      written.put(next.id(), new Versioned<>(next, now.getAsInt()));
    }
  }

  private List<Item> stepAttach(String id) {
    Optional<Versioned<OperationRecord>> found = runningNow(id);
    if (found.isEmpty()) {
      return List.of();
    }
    Versioned<OperationRecord> v = found.get();
    OperationRecord op = v.value();
    setClusterState(op, ClusterState.ATTACHED, true);
    write(
        op.with(
            OperationRecord.State.DONE,
            op.items(),
            "cluster " + op.cluster() + " is attached",
            clock.instant()),
        v.version());
    return List.of();
  }

  /** Where the owners' policies come from (default: every cluster has the default policy). */
  public OperationEngine usingPolicies(Function<ClusterId, ClusterPolicy> source) {
    this.policies = java.util.Objects.requireNonNull(source, "source");
    return this;
  }

  private Map<ClusterId, ClusterPolicy> policiesOf(Collection<ClusterRecord> clusters) {
    Map<ClusterId, ClusterPolicy> out = new HashMap<>();
    clusters.forEach(c -> out.put(c.id(), policies.apply(c.id())));
    return out;
  }

  private List<Item> stepDetach(String id) {
    Optional<Versioned<OperationRecord>> found = runningNow(id);
    if (found.isEmpty()) {
      return List.of();
    }
    Versioned<OperationRecord> v = found.get();
    OperationRecord op = v.value();
    setClusterState(op, ClusterState.DETACHING, false);
    List<ClusterRecord> clusters = reads.clusters();
    DetachPlanner.Snapshot grid =
        new DetachPlanner.Snapshot(reads.nodes(), clusters, reads.jobs(), policiesOf(clusters));
    Map<JobId, JobRecord> jobs =
        grid.jobs().stream().collect(Collectors.toMap(JobRecord::id, j -> j));
    Map<JobId, Item> items = new java.util.LinkedHashMap<>();
    op.items().forEach(i -> items.put(i.job(), i));
    for (JobRecord j : DetachPlanner.mustMove(op.cluster(), grid)) {
      Item known = items.get(j.id());
      if (known == null || known.state() == ItemState.DONE) {
        items.put(j.id(), new Item(j.id(), j.node(), null, ItemState.PENDING, null, null));
      }
    }
    java.util.Set<JobId> stillNeeded =
        DetachPlanner.mustMove(op.cluster(), grid).stream()
            .map(JobRecord::id)
            .collect(Collectors.toSet());
    Instant now = clock.instant();
    java.util.Set<io.roam.common.id.NodeId> live =
        grid.nodes().stream().map(NodeRecord::id).collect(Collectors.toSet());
    // Jobs of the cluster on a node that vanished: node loss restarts them or records them lost.
    for (JobRecord j : grid.jobs()) {
      if (j.homeCluster().equals(op.cluster())
          && !j.state().terminal()
          && !live.contains(j.node())
          && !items.containsKey(j.id())) {
        items.put(j.id(), new Item(j.id(), j.node(), null, ItemState.PENDING, null, null));
      }
    }
    int moving = 0;
    for (Item item : new ArrayList<>(items.values())) {
      JobRecord job = jobs.get(item.job());
      // Not done, and not movable: it is neither here nor there until node loss decides.
      Item next =
          job != null && !job.state().terminal() && !live.contains(job.node())
              ? item.with(ItemState.PENDING, null, null, gone(job))
              : progress(item, job, stillNeeded, now);
      items.put(item.job(), next);
      if (next.state() == ItemState.MOVING) {
        moving++;
      }
    }
    startMoves(
        op,
        items,
        jobs,
        grid.nodes(),
        moving,
        "d",
        job -> DetachPlanner.target(job, op.cluster(), grid, random),
        job -> "no node up to take it now",
        job ->
            !DetachPlanner.mustMove(
                    op.cluster(),
                    new DetachPlanner.Snapshot(grid.nodes(), grid.clusters(), List.of(job)))
                .isEmpty(),
        now);
    List<Item> list = List.copyOf(items.values());
    boolean done =
        stillNeeded.isEmpty()
            && list.stream().allMatch(i -> i.state() == ItemState.DONE)
            && (reads == store
                || DetachPlanner.mustMove(
                        op.cluster(),
                        new DetachPlanner.Snapshot(store.nodes(), store.clusters(), store.jobs()))
                    .isEmpty());
    OperationRecord next;
    if (done) {
      setClusterState(op, ClusterState.DETACHED, true);
      next =
          op.with(
              OperationRecord.State.DONE, list, "cluster " + op.cluster() + " is detached", now);
    } else if (op.deadline() != null && now.isAfter(op.deadline())) {
      String waiting = waitingFor(list);
      if (op.onDeadline() == OperationRecord.OnDeadline.FAIL) {
        setClusterState(op, ClusterState.ATTACHED, true);
        next =
            op.with(
                OperationRecord.State.FAILED,
                list,
                "deadline passed; " + waiting + "; the cluster stays attached",
                now);
      } else {
        next =
            op.with(
                OperationRecord.State.RUNNING,
                list,
                "deadline passed, still waiting: " + waiting,
                now);
      }
    } else {
      next =
          op.with(
              OperationRecord.State.RUNNING,
              list,
              list.isEmpty() ? "planning" : waitingFor(list),
              now);
    }
    if (!next.equals(op) && !sameProgress(op, next)) {
      write(next, v.version());
    }
    return list;
  }

  /**
   * Starts the pending items' migrations while the operation has a free slot ({@code moving} of its
   * allowed number run now), in the items' order. An item whose node is gone, or with nowhere to go
   * now, stays pending with the reason; one whose request the agent refuses fails (and is retried
   * later).
   */
  private void startMoves(
      OperationRecord op,
      Map<JobId, Item> items,
      Map<JobId, JobRecord> jobs,
      Collection<NodeRecord> nodes,
      int moving,
      String attemptPrefix,
      Function<JobRecord, Optional<NodeRecord>> targetOf,
      Function<JobRecord, String> noTarget,
      java.util.function.Predicate<JobRecord> mustMove,
      Instant now) {
    int allowed = op.parallelOr(parallelism);
    // Each round asks the agents of up to the free slots' number of jobs at once (a call waits only
    // for the agent's acceptance, but one after the other the last slot would start a few round
    // trips late); a refused call frees its slot for the next round.
    Set<JobId> tried = new HashSet<>();
    while (moving < allowed) {
      List<Start> round = new ArrayList<>();
      for (Item item : new ArrayList<>(items.values())) {
        if (moving + round.size() >= allowed) {
          break;
        }
        if (item.state() != ItemState.PENDING || !tried.add(item.job())) {
          continue;
        }
        // The listing may be behind: the job as stored now decides whether, and from where, it
        // moves.
        JobRecord listed = jobs.get(item.job());
        JobRecord job =
            reads == store ? listed : store.job(item.job()).map(Versioned::value).orElse(null);
        if (job == null
            || job.state() != io.roam.common.model.JobState.RUNNING
            || !mustMove.test(job)) {
          continue; // the next steps see its new record and settle the item
        }
        Optional<NodeRecord> source =
            nodes.stream().filter(n -> n.id().equals(job.node())).findFirst();
        if (source.isEmpty()) {
          items.put(item.job(), item.with(ItemState.PENDING, null, null, gone(job)));
          continue;
        }
        Optional<NodeRecord> target = targetOf.apply(job);
        if (target.isEmpty()) {
          items.put(item.job(), item.with(ItemState.PENDING, null, null, noTarget.apply(job)));
          continue;
        }
        String attempt = attemptPrefix + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
        inFlight.add(attempt); // before the request: its end may be seen before this step ends
        round.add(new Start(item, job, source.get(), target.get(), attempt));
      }
      if (round.isEmpty()) {
        return;
      }
      List<java.util.concurrent.CompletableFuture<RuntimeException>> answers = new ArrayList<>();
      for (Start s : round) {
        answers.add(
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    mover.migrate(
                        s.source(),
                        s.job().id(),
                        new AgentMigrateRequest(s.target().id(), s.attempt()));
                    return null;
                  } catch (RuntimeException e) {
                    return e;
                  }
                },
                calls));
      }
      for (int i = 0; i < round.size(); i++) {
        Start s = round.get(i);
        RuntimeException refused = answers.get(i).join();
        if (refused == null) {
          items.put(
              s.item().job(),
              new Item(
                  s.job().id(),
                  s.job().node(),
                  s.target().id(),
                  ItemState.MOVING,
                  s.attempt(),
                  null));
          moving++;
        } else {
          items.put(
              s.item().job(),
              s.item().with(ItemState.FAILED, s.target().id(), null, refused.getMessage()));
          failedAt.put(s.item().job(), now);
        }
      }
    }
  }

  /** A move this step asks an agent for. */
  private record Start(
      Item item, JobRecord job, NodeRecord source, NodeRecord target, String attempt) {}

  private static String gone(JobRecord job) {
    return "node "
        + job.node()
        + " is gone: waiting for it to come back, or for the job to restart from its checkpoint"
        + " or be recorded lost";
  }

  /** Progress writes only when something changed beyond the timestamp. */
  private static boolean sameProgress(OperationRecord a, OperationRecord b) {
    return a.state() == b.state()
        && a.items().equals(b.items())
        && java.util.Objects.equals(a.message(), b.message());
  }

  private static String waitingFor(List<Item> items) {
    long left = items.stream().filter(i -> i.state() != ItemState.DONE).count();
    List<String> stuck =
        items.stream()
            .filter(
                i ->
                    i.state() == ItemState.FAILED
                        || (i.state() == ItemState.PENDING && i.reason() != null))
            .limit(3)
            .map(i -> i.job() + ": " + i.reason())
            .toList();
    return left
        + " job(s) to move"
        + (stuck.isEmpty() ? "" : "; waiting for " + String.join("; ", stuck));
  }

  /**
   * Sets the cluster's state (a compare-and-set on the stored record). Each step re-asserts
   * DETACHING, checked against the listing ({@code fresh} false); an operation's last word is
   * checked against the store.
   */
  private void setClusterState(OperationRecord op, ClusterState state, boolean fresh) {
    GridStore from = fresh ? store : reads;
    if (from.cluster(op.cluster()).map(c -> c.state() != state).orElse(false)) {
      store.updateCluster(op.cluster(), state);
      LOG.info("cluster {} is {}", op.cluster(), state);
    }
  }

  /**
   * One step of an expel or bring: as for detach, every job that must move gets an item, moved a
   * few at a time and retried after a failure; the operation is done once none is left to move.
   * Locked jobs move too: a lock only keeps automatic balancing away.
   */
  private List<Item> stepNode(String id) {
    Optional<Versioned<OperationRecord>> found = runningNow(id);
    if (found.isEmpty()) {
      return List.of();
    }
    Versioned<OperationRecord> v = found.get();
    OperationRecord op = v.value();
    NodePlanner.Snapshot grid =
        new NodePlanner.Snapshot(reads.nodes(), reads.clusters(), reads.jobs(), flags.get());
    Map<JobId, JobRecord> jobs =
        grid.jobs().stream().collect(Collectors.toMap(JobRecord::id, j -> j));
    List<JobRecord> mustMove = NodePlanner.mustMove(op.kind(), op.node(), grid);
    Map<JobId, Item> items = new java.util.LinkedHashMap<>();
    op.items().forEach(i -> items.put(i.job(), i));
    for (JobRecord j : mustMove) {
      Item known = items.get(j.id());
      if (known == null || known.state() == ItemState.DONE) {
        items.put(j.id(), new Item(j.id(), j.node(), null, ItemState.PENDING, null, null));
      }
    }
    java.util.Set<JobId> stillNeeded =
        mustMove.stream().map(JobRecord::id).collect(Collectors.toSet());
    Instant now = clock.instant();
    int moving = 0;
    for (Item item : new ArrayList<>(items.values())) {
      Item next = progress(item, jobs.get(item.job()), stillNeeded, now);
      items.put(item.job(), next);
      if (next.state() == ItemState.MOVING) {
        moving++;
      }
    }
    startMoves(
        op,
        items,
        jobs,
        grid.nodes(),
        moving,
        "x",
        job -> NodePlanner.target(op.kind(), op.node(), job, grid, random),
        job ->
            op.kind() == OperationRecord.Kind.BRING
                ? "node " + op.node() + " is not up"
                : "no node of cluster " + job.homeCluster() + " is up and open to take it",
        job ->
            !NodePlanner.mustMove(
                    op.kind(),
                    op.node(),
                    new NodePlanner.Snapshot(
                        grid.nodes(), grid.clusters(), List.of(job), grid.flags()))
                .isEmpty(),
        now);
    List<Item> list = List.copyOf(items.values());
    boolean done =
        stillNeeded.isEmpty()
            && list.stream().allMatch(i -> i.state() == ItemState.DONE)
            && (reads == store
                || NodePlanner.mustMove(
                        op.kind(),
                        op.node(),
                        new NodePlanner.Snapshot(
                            store.nodes(), store.clusters(), store.jobs(), grid.flags()))
                    .isEmpty());
    String verb = op.kind() == OperationRecord.Kind.EXPEL ? "expelled from" : "brought back to";
    OperationRecord next =
        done
            ? op.with(
                OperationRecord.State.DONE,
                list,
                list.size() + " job(s) " + verb + " node " + op.node(),
                now)
            : op.with(
                OperationRecord.State.RUNNING,
                list,
                list.isEmpty() ? "planning" : waitingFor(list),
                now);
    if (!next.equals(op) && !sameProgress(op, next)) {
      write(next, v.version());
    }
    return list;
  }

  /**
   * Whether the job's last migration is committed: the source's compare-and-set made the record
   * name the target, which owns the job from then on (it resumes it, or recovery acts on its
   * record). Its slot is free at once, not only when the end is recorded after the resume (10-20 ms
   * later, then seen by the read model another 20-40 ms later on a busy machine).
   */
  public static boolean committed(JobRecord job) {
    MigrationOutcome last = job.lastMigration();
    return last != null && last.succeeded() && job.node().equals(last.to());
  }

  /** An item's next state from its job's record: ended, no longer needed, moved, or retried. */
  private Item progress(Item item, JobRecord job, java.util.Set<JobId> stillNeeded, Instant now) {
    if (job == null || job.state().terminal()) {
      return item.with(ItemState.DONE, item.to(), item.attempt(), job == null ? "gone" : "ended");
    }
    if (!stillNeeded.contains(item.job())) {
      return item.with(ItemState.DONE, job.node(), item.attempt(), null);
    }
    if (item.state() == ItemState.MOVING) {
      MigrationOutcome last = job.lastMigration();
      if (last != null && item.attempt().equals(last.attempt())) {
        if (last.succeeded() && (committed(job) || last.endedAt() != null)) {
          return item.with(ItemState.DONE, last.to(), item.attempt(), null);
        }
        if (last.endedAt() != null) {
          failedAt.put(item.job(), now);
          return item.with(ItemState.FAILED, item.to(), item.attempt(), last.reason());
        }
      }
    } else if (item.state() == ItemState.FAILED) {
      Instant when = failedAt.getOrDefault(item.job(), Instant.MIN);
      if (!when.plus(retryFailedAfter).isAfter(now)) {
        return item.with(ItemState.PENDING, item.to(), null, item.reason());
      }
    }
    return item;
  }
}
