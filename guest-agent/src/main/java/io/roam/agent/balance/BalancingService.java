package io.roam.agent.balance;

import io.roam.agent.gossip.GossipCodec;
import io.roam.agent.gossip.GossipConfig;
import io.roam.agent.gossip.GossipMessage;
import io.roam.agent.gossip.GossipView;
import io.roam.agent.gossip.LoadEntry;
import io.roam.agent.gossip.Peers;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.load.Arrivals;
import io.roam.agent.load.LoadSampler;
import io.roam.agent.migration.Migrator;
import io.roam.agent.placement.Balancer;
import io.roam.agent.placement.Consent;
import io.roam.agent.placement.JobLoad;
import io.roam.agent.placement.Move;
import io.roam.agent.placement.NodeState;
import io.roam.agent.placement.Plan;
import io.roam.agent.placement.Snapshot;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.NodeFlagStore;
import io.roam.store.StoreException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's part in load balancing: every step it samples its own jobs, sends a window of the
 * freshest load entries it knows to one random peer over UDP (no broadcasts, nothing written to
 * ZooKeeper), merges what peers send, and, when balancing is on, asks the pure {@link Balancer}
 * whether moving one of its jobs would finish it sooner than staying, and migrates it if so.
 * Membership (who the peers are and where) comes from ZooKeeper; load never goes there.
 */
public final class BalancingService implements AutoCloseable, ArrivalView {
  private static final Logger LOG = LoggerFactory.getLogger(BalancingService.class);
  private static final int MEMBERSHIP_EVERY = 5;

  private final NodeId self;
  private final double speed;
  private final JobSupervisor jobs;
  private final Migrator migrator;
  private final GridStore store;
  private final GossipCodec codec;
  private final LoadSampler sampler;
  private final Balancer balancer;
  private final Clock clock;
  private final RandomGenerator random;
  private final Duration step;
  private final int balanceEvery;
  private final boolean balance;
  private final NodeFlagStore flags;
  private final GossipView view;
  private final Map<JobId, Instant> arrived = new HashMap<>();
  private final AtomicBoolean moving = new AtomicBoolean();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("gossip-step"));
  private final ExecutorService mover =
      Executors.newSingleThreadExecutor(DaemonThreads.named("balance-move"));
  private volatile List<NodeRecord> members = List.of();
  private volatile Set<JobId> locked = Set.of();
  // Jobs whose records say they never migrated: exempt from minimum residence. A job not (yet)
  // read counts as migrated, so that one that just arrived is not sent on at once.
  private volatile Set<JobId> startedHere = Set.of();
  // This node's jobs' records as last read, by the gossip-step thread only (see toRead).
  private final Map<JobId, JobRecord> records = new HashMap<>();
  private DatagramChannel channel;
  private volatile Arrivals arrivals = new Arrivals();
  // This node's figures at the last step, before arrivals are added: what consent starts from.
  private volatile LoadEntry measured;
  private double runnable;
  private long steps;

  /**
   * @param flags the node flags, watched in ZooKeeper: this node's stay silences its moves away, a
   *     blocked node is no target; null: no node is flagged
   * @param gossip how this node gossips (its window above all)
   */
  public BalancingService(
      NodeId self,
      double speed,
      String grid,
      JobSupervisor jobs,
      Migrator migrator,
      GridStore store,
      LoadSampler sampler,
      Balancer balancer,
      Clock clock,
      RandomGenerator random,
      Duration step,
      int balanceEvery,
      boolean balance,
      NodeFlagStore flags,
      GossipConfig gossip) {
    this.flags = flags;
    this.self = self;
    this.speed = speed;
    this.jobs = jobs;
    this.migrator = migrator;
    this.store = store;
    this.codec = new GossipCodec(grid);
    this.sampler = sampler;
    this.balancer = balancer;
    this.clock = clock;
    this.random = random;
    this.step = step;
    this.balanceEvery = balanceEvery;
    this.balance = balance;
    long[] mem = sampler.memory();
    this.measured = new LoadEntry(self, 0, 0, speed, mem[0], Math.max(mem[1], mem[0]), 0);
    this.view = new GossipView(measured, gossip);
  }

  /** Listens for gossip on {@code host:port} (UDP) and starts stepping. */
  public synchronized void start(String host, int port) throws IOException {
    channel = DatagramChannel.open();
    channel.bind(new InetSocketAddress(host, port));
    Thread receiver = new Thread(this::receive, "gossip-receive");
    receiver.setDaemon(true);
    receiver.start();
    timer.scheduleWithFixedDelay(
        this::safeStep, step.toMillis(), step.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void receive() {
    ByteBuffer buffer = ByteBuffer.allocate(codec.maxBytes() + 1);
    while (channel.isOpen()) {
      try {
        buffer.clear();
        channel.receive(buffer);
        buffer.flip();
        Optional<GossipMessage> message = codec.decode(buffer.array(), 0, buffer.limit());
        message.ifPresent(
            m -> {
              synchronized (view) {
                view.merge(m.entries());
              }
            });
      } catch (IOException e) {
        if (channel.isOpen()) {
          LOG.debug("gossip receive: {}", e.toString());
        }
      }
    }
  }

  private void safeStep() {
    try {
      step();
    } catch (RuntimeException e) {
      LOG.warn("gossip step failed: {}", e.toString());
    }
  }

  /** One step: sample, age, send one message, and now and then balance. */
  void step() {
    steps++;
    if (steps % MEMBERSHIP_EVERY == 1) {
      try {
        members = store.nodes();
        Set<JobId> here = jobs.runningRoots().keySet();
        readRecords(here);
      } catch (StoreException e) {
        LOG.debug("membership not refreshed: {}", e.getMessage());
      }
    }
    Map<JobId, Long> roots = jobs.runningRoots();
    Map<JobId, LoadSampler.JobSample> samples = sampler.jobs(roots);
    Instant now = clock.instant();
    arrived.keySet().retainAll(roots.keySet());
    roots.keySet().forEach(j -> arrived.putIfAbsent(j, now));
    int runnableNow = samples.values().stream().mapToInt(LoadSampler.JobSample::runnable).sum();
    // Up at once, down slowly: a job that just arrived counts fully (or others would send more
    // to a node that only looks idle), while one that just slept is not counted as gone.
    runnable = Math.max(runnableNow, 0.7 * runnable + 0.3 * runnableNow);
    long[] mem = sampler.memory();
    LoadEntry sampled =
        new LoadEntry(self, runnable, roots.size(), speed, mem[0], Math.max(mem[1], mem[0]), 0);
    measured = sampled;
    LoadEntry own = reported(sampled, arrivals.now());
    List<LoadEntry> window;
    synchronized (view) {
      view.updateSelf(own);
      view.tick();
      window = view.window();
    }
    List<NodeId> ids = members.stream().map(NodeRecord::id).toList();
    Peers.pick(ids, self, random)
        .flatMap(id -> members.stream().filter(n -> n.id().equals(id)).findFirst())
        .filter(n -> n.migrationPort() > 0)
        .ifPresent(peer -> send(peer, codec.encode(self, window)));
    if (balance && steps % balanceEvery == 0 && !moving.get()) {
      balance(samples, own, runnableNow);
    }
  }

  /**
   * Counts in {@code arrivals} (shared with the migration server) in the load this node reports and
   * decides on, and consents to balancing moves with them.
   */
  public BalancingService countingArrivals(Arrivals shared) {
    this.arrivals = java.util.Objects.requireNonNull(shared, "arrivals");
    return this;
  }

  /**
   * The load this node reports: what runs here, plus each migration it has accepted and does not
   * run yet as one runnable process, its memory no longer free (gossip describes the node as it
   * will be; senders do not pile work on a node that only looks idle).
   */
  static LoadEntry reported(LoadEntry sampled, Arrivals.Pending pending) {
    if (pending.count() == 0) {
      return sampled;
    }
    return new LoadEntry(
        sampled.node(),
        sampled.runnable() + pending.count(),
        sampled.jobs(),
        sampled.speed(),
        Math.max(0, sampled.freeMemoryBytes() - pending.memoryBytes()),
        sampled.totalMemoryBytes(),
        sampled.age());
  }

  /**
   * The target's consent to a balancing move sent here: {@link Balancer#accepts} on this node's
   * figures of the last step with the migrations on their way here now (as the simulator's target
   * counts its running and incoming jobs).
   */
  public Optional<String> consent(Move move, Arrivals.Pending pending) {
    return Consent.refusal(balancer, Optional.of(move), asTarget(measured, pending));
  }

  /** This node as the target of a move: its measured figures with what is on its way here. */
  static NodeState asTarget(LoadEntry measured, Arrivals.Pending pending) {
    LoadEntry now = reported(measured, pending);
    return NodeState.of(
        now.node(), now.speed(), now.runnable(), now.freeMemoryBytes(), now.totalMemoryBytes());
  }

  private boolean blocked(NodeId node) {
    return flags != null && flags.blocked(node);
  }

  /**
   * Which of the jobs here a refresh of their records reads: those not read yet, and those read
   * locked. Whether a job started here does not change while it stays, and a lock set since is
   * found before any move (the record is read again then), so a job read unlocked needs no second
   * read; one read locked does, to see it unlocked. A quiet node reads nothing.
   */
  static Set<JobId> toRead(Set<JobId> here, Map<JobId, JobRecord> read) {
    Set<JobId> out = new HashSet<>();
    for (JobId id : here) {
      JobRecord r = read.get(id);
      if (r == null || r.locked()) {
        out.add(id);
      }
    }
    return out;
  }

  /**
   * Reads this node's jobs' records (now and then, as {@link #toRead} says): which their owners
   * locked, and which never migrated.
   */
  private void readRecords(Set<JobId> here) {
    records.keySet().retainAll(here);
    for (JobId id : toRead(here, records)) {
      store.job(id).ifPresent(v -> keep(v.value()));
    }
    derive();
  }

  /**
   * Keeps a record that places its job here; one that does not yet (read between a move's restore
   * and its commit) says nothing lasting, and is read again at the next refresh.
   */
  private void keep(JobRecord r) {
    if (r.node().equals(self)) {
      records.put(r.id(), r);
    } else {
      records.remove(r.id());
    }
  }

  private void derive() {
    Set<JobId> lockedNow = new HashSet<>();
    Set<JobId> startedNow = new HashSet<>();
    records.forEach(
        (id, r) -> {
          if (r.locked()) {
            lockedNow.add(id);
          }
          if (r.migrations() == 0) {
            startedNow.add(id);
          }
        });
    locked = Set.copyOf(lockedNow);
    startedHere = Set.copyOf(startedNow);
  }

  private boolean isLocked(JobId id) {
    Optional<JobRecord> now = store.job(id).map(v -> v.value());
    now.ifPresent(
        r -> {
          keep(r);
          derive();
        });
    return now.map(JobRecord::locked).orElse(false);
  }

  private void send(NodeRecord peer, byte[] message) {
    try {
      channel.send(ByteBuffer.wrap(message), migrator.addressOf(peer));
    } catch (IOException e) {
      LOG.debug("gossip to {}: {}", peer.id(), e.toString());
    }
  }

  private void balance(
      Map<JobId, LoadSampler.JobSample> samples, LoadEntry own, double runnableNow) {
    List<JobLoad> loads = new ArrayList<>();
    samples.forEach(
        (job, s) ->
            loads.add(
                new JobLoad(
                    job,
                    s.residentBytes(),
                    s.cpuSeconds(),
                    arrived.get(job),
                    locked.contains(job),
                    !startedHere.contains(job))));
    List<LoadEntry> others;
    synchronized (view) {
      others = view.others();
    }
    Plan plan =
        balancer.plan(
            snapshot(
                own,
                runnableNow,
                flags != null && flags.stay(self),
                loads,
                others,
                this::blocked,
                migrator.underWay(),
                balancer.config().assumedLoadPerIncoming()));
    if (plan.moves().isEmpty()) {
      return;
    }
    Move move = plan.moves().get(0);
    Optional<NodeRecord> target =
        members.stream().filter(n -> n.id().equals(move.target())).findFirst();
    if (target.isEmpty()) {
      return;
    }
    // The lock may be newer than the last refresh: the record has the last word.
    try {
      if (isLocked(move.job())) {
        return;
      }
    } catch (StoreException e) {
      return;
    }
    moving.set(true);
    String attempt = "b" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
    LOG.info(
        "moving job {} to {} ({}): expected gain {} s",
        move.job(),
        move.target(),
        move.reason(),
        String.format("%.1f", move.expectedGainSeconds()));
    mover.execute(
        () -> {
          try {
            migrator.migrate(move.job(), target.get(), attempt, Optional.of(move));
          } catch (RuntimeException e) {
            LOG.info("balancing move of {} not done: {}", move.job(), e.getMessage());
          } finally {
            moving.set(false);
          }
        });
  }

  /**
   * What the balancer decides on. Gossip cannot show the moves this agent has under way yet: each
   * counts as {@code loadPerMove} on its target (flood prevention: the next decision does not send
   * more work to a node that only looks idle) and is taken off this node, whose smoothed runnable
   * lets a job that left fade only slowly.
   *
   * @param own this node's entry; its runnable is smoothed and may still count jobs now leaving
   * @param runnableNow runnable sampled now over the jobs still here (none that is leaving)
   * @param underWay the moves this agent started that have not ended: job to target
   */
  static Snapshot snapshot(
      LoadEntry own,
      double runnableNow,
      boolean stay,
      List<JobLoad> jobs,
      List<LoadEntry> others,
      Predicate<NodeId> blocked,
      Map<JobId, NodeId> underWay,
      double loadPerMove) {
    Map<NodeId, Integer> incoming = new HashMap<>();
    underWay.values().forEach(t -> incoming.merge(t, 1, Integer::sum));
    double selfRunnable = Math.max(runnableNow, own.runnable() - underWay.size() * loadPerMove);
    List<JobLoad> staying = jobs.stream().filter(j -> !underWay.containsKey(j.job())).toList();
    List<NodeState> targets =
        others.stream()
            .map(e -> NodeState.from(e, blocked.test(e.node()), incoming.getOrDefault(e.node(), 0)))
            .toList();
    return new Snapshot(
        NodeState.of(
            own.node(), own.speed(), selfRunnable, own.freeMemoryBytes(), own.totalMemoryBytes()),
        stay,
        staying,
        targets);
  }

  /**
   * What this node decides on when a job arrives that has not started ({@link
   * io.roam.agent.placement.Forwarding}), or empty when it passes none on: balancing is off, or its
   * owner said stay. Itself: its runnable of the last step with the migrations on their way here,
   * or its jobs now if more (a job started since the last step counts at once); the others: its
   * view, with their blocks and the moves and forwards this node has under way to them.
   *
   * @param forwards jobs this node passed on lately, not yet in the figures their targets gossip
   */
  @Override
  public Optional<Snapshot> arrivalSnapshot(Map<NodeId, Integer> forwards) {
    if (!balance || (flags != null && flags.stay(self))) {
      return Optional.empty();
    }
    LoadEntry own = reported(measured, arrivals.now());
    double here = Math.max(own.runnable(), jobs.runningCount());
    Map<NodeId, Integer> incoming = new HashMap<>(forwards);
    migrator.underWay().values().forEach(t -> incoming.merge(t, 1, Integer::sum));
    List<LoadEntry> others;
    synchronized (view) {
      others = view.others();
    }
    List<NodeState> targets =
        others.stream()
            .map(e -> NodeState.from(e, blocked(e.node()), incoming.getOrDefault(e.node(), 0)))
            .toList();
    return Optional.of(
        new Snapshot(
            NodeState.of(self, own.speed(), here, own.freeMemoryBytes(), own.totalMemoryBytes()),
            false,
            List.of(),
            targets));
  }

  /**
   * This node's own entry as it stands: its figures of the last step with the migrations on their
   * way here, and its jobs now if more (one started since the last step counts at once).
   */
  public LoadEntry ownNow() {
    LoadEntry own = reported(measured, arrivals.now());
    int jobsNow = Math.max(own.jobs(), jobs.runningCount());
    return new LoadEntry(
        own.node(),
        Math.max(own.runnable(), jobsNow),
        jobsNow,
        own.speed(),
        own.freeMemoryBytes(),
        own.totalMemoryBytes(),
        0);
  }

  @Override
  public List<NodeRecord> members() {
    return members;
  }

  @Override
  public boolean isBlocked(NodeId node) {
    return blocked(node);
  }

  /** This node's current view of the grid's load (its own entry first). */
  public List<LoadEntry> view() {
    synchronized (view) {
      List<LoadEntry> out = new ArrayList<>();
      out.add(view.own());
      out.addAll(view.others());
      return out;
    }
  }

  @Override
  public synchronized void close() {
    timer.shutdownNow();
    mover.shutdownNow();
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
