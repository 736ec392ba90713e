package io.roam.agent.sim;

import io.roam.agent.gossip.AgeTable;
import io.roam.agent.gossip.GossipConfig;
import io.roam.agent.gossip.GossipView;
import io.roam.agent.gossip.LoadEntry;
import io.roam.agent.placement.Balancer;
import io.roam.agent.placement.FlatSnapshot;
import io.roam.agent.placement.Forwarding;
import io.roam.agent.placement.MigrationPolicy;
import io.roam.agent.placement.Move;
import io.roam.agent.placement.NodeState;
import io.roam.agent.placement.Plan;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.placement.LeastLoaded;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A discrete-event simulation of a grid on a virtual clock. Each node shares its CPU equally among
 * its jobs (processor sharing, exact: completions are events, not time slices). Under {@link
 * Policy#ROAM}, every node runs the real {@link GossipView} (one window to one random peer per
 * step) and the real {@link Balancer} on its aged view; a migration takes the job off its node for
 * {@code cost(memory)} virtual seconds, during which it does not run.
 *
 * <p>Single-threaded and deterministic: equal workloads, configs and seeds give equal results.
 */
public final class Simulator {
  private static final int ARRIVAL = 0;
  private static final int COMPLETION = 1;
  private static final int STEP = 2;
  private static final int LANDING = 3;
  private static final int FORWARDED = 4;

  private final Workload workload;
  private final Policy policy;
  private final SimConfig config;
  private final RandomGenerator random;
  private final Node[] nodes;
  private final Job[] jobs;
  private final Map<NodeId, Integer> indexOf = new HashMap<>();
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final Balancer balancer;
  private final Forwarding forwarding;
  private final FlatSnapshot flat = new FlatSnapshot(64, 64);
  private final double maxSpeed;
  private final double[] cumulativeSpeed;
  private Gossip gossip;
  private Object[] ownEntries;
  // Nodes whose jobs, incoming moves or memory changed since the last gossip step.
  private int[] changed;
  private int changedCount;
  // The freshest entries of the deciding node's view, copied out in one pass.
  private int[] viewNodes = new int[64];
  private int[] viewAges = new int[64];
  private Object[] viewEntries = new Object[64];

  private double now;
  private long seq;
  private long steps;
  private int unfinished;
  private int completed;
  private double slowdownSum;
  private double lastCompletion;
  private long migrations;
  private long forwards;
  private double ageSum;
  private long ageSamples;

  private static final class Event implements Comparable<Event> {
    final double time;
    final long seq;
    final int type;
    final int node;
    final int job;
    final long version;

    Event(double time, long seq, int type, int node, int job, long version) {
      this.time = time;
      this.seq = seq;
      this.type = type;
      this.node = node;
      this.job = job;
      this.version = version;
    }

    @Override
    public int compareTo(Event o) {
      int c = Double.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private static final class Job {
    final SimJob spec;
    // The spec's figures the balancer reads, beside the job's state: one object per job to touch.
    final double work;
    final long memory;
    JobId id;
    int node = -1;
    int source = -1;
    double finishV;
    double remaining;
    double arrivedAtNode;
    boolean migrated;
    int hops;

    Job(SimJob spec) {
      this.spec = spec;
      this.work = spec.work();
      this.memory = spec.memoryBytes();
      this.remaining = spec.work();
    }
  }

  private static final class Node {
    final int index;
    final NodeId id;
    final double speed;
    final long totalMemory;
    final PriorityQueue<Job> running =
        new PriorityQueue<>((a, b) -> Double.compare(a.finishV, b.finishV));
    long usedMemory;
    long reservedMemory;
    double v;
    double last;
    long version;
    int incoming;
    // Jobs migrating away: their records still name this node until they land.
    int leaving;
    Map<Integer, Integer> outgoing;
    LoadEntry ownEntry;
    boolean changed;

    Node(int index, double speed, long totalMemory) {
      this.index = index;
      this.id = NodeId.of("n" + index);
      this.speed = speed;
      this.totalMemory = totalMemory;
    }

    long freeMemory() {
      return Math.max(0, totalMemory - usedMemory - reservedMemory);
    }
  }

  public Simulator(Workload workload, Policy policy, SimConfig config, long seed) {
    this.workload = workload;
    this.policy = policy;
    this.config = config;
    this.random = new SplittableRandom(seed);
    int n = workload.speeds().length;
    this.nodes = new Node[n];
    this.cumulativeSpeed = new double[n];
    double max = 0;
    double cum = 0;
    for (int i = 0; i < n; i++) {
      nodes[i] = new Node(i, workload.speeds()[i], workload.memories()[i]);
      indexOf.put(nodes[i].id, i);
      max = Math.max(max, nodes[i].speed);
      cum += nodes[i].speed;
      cumulativeSpeed[i] = cum;
    }
    this.maxSpeed = max;
    this.jobs = new Job[workload.jobs().size()];
    for (int j = 0; j < jobs.length; j++) {
      jobs[j] = new Job(workload.jobs().get(j));
      // Its id, as it has one from its submission on (the balancer names the jobs it moves).
      jobs[j].id = JobId.ofNumber(jobs[j].spec.id() + 1L);
    }
    InstantSource clock = () -> Instant.ofEpochSecond(0, (long) (now * 1e9));
    this.balancer =
        new Balancer(
            config.placement(), MigrationPolicy.ALLOW_ALL, clock, new SplittableRandom(seed + 1));
    this.forwarding =
        new Forwarding(
            config.placement(),
            config.forward(),
            MigrationPolicy.ALLOW_ALL,
            new SplittableRandom(seed + 2));
    if (roam()) {
      GossipConfig g = config.gossip();
      this.gossip = new Gossip(n, g.window(), g.capacity(), g.maxAge());
      this.ownEntries = new Object[n];
      this.changed = new int[n];
      for (Node node : nodes) {
        node.ownEntry = ownEntry(node);
        ownEntries[node.index] = node.ownEntry;
      }
    }
  }

  /** Runs to the end (or to {@code maxSteps}) and reports. */
  public SimResult run() {
    for (Job job : jobs) {
      schedule(job.spec.arrival(), ARRIVAL, job.spec.origin(), job.spec.id(), 0);
    }
    unfinished = jobs.length;
    if (roam() || policy == Policy.OMNISCIENT) {
      schedule(config.stepSeconds(), STEP, -1, -1, 0);
    }
    while (!events.isEmpty() && unfinished > 0) {
      Event e = events.poll();
      now = e.time;
      switch (e.type) {
        case ARRIVAL -> arrive(jobs[e.job]);
        case COMPLETION -> complete(nodes[e.node], e.version);
        case STEP -> {
          if (step() && (config.maxSteps() == 0 || steps < config.maxSteps())) {
            schedule(now + config.stepSeconds(), STEP, -1, -1, 0);
          } else if (config.maxSteps() > 0 && steps >= config.maxSteps()) {
            events.clear();
          }
        }
        case LANDING -> land(jobs[e.job], e.node);
        case FORWARDED -> forwarded(jobs[e.job], e.node);
        default -> throw new IllegalStateException("event " + e.type);
      }
    }
    double first = jobs.length == 0 ? 0 : jobs[0].spec.arrival();
    return new SimResult(
        policy,
        completed,
        completed == 0 ? 0 : slowdownSum / completed,
        lastCompletion - first,
        migrations,
        steps,
        ageSamples == 0 ? 0 : ageSum / ageSamples);
  }

  public long steps() {
    return steps;
  }

  /** Jobs on each node now (not counting those in transit). */
  public int[] jobsPerNode() {
    int[] out = new int[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      out[i] = nodes[i].running.size();
    }
    return out;
  }

  private void schedule(double time, int type, int node, int job, long version) {
    events.add(new Event(time, seq++, type, node, job, version));
  }

  private void arrive(Job job) {
    int target =
        switch (policy) {
          case NONE, ROAM -> job.spec.origin();
          case ROAM_PLACED ->
              LeastLoaded.choose(
                  nodes.length,
                  i -> nodes[i].running.size() + nodes[i].leaving,
                  i -> nodes[i].speed,
                  random);
          case RANDOM -> random.nextInt(nodes.length);
          case RANDOM_BY_SPEED -> bySpeed(random.nextDouble() * cumulativeSpeed[nodes.length - 1]);
          case OMNISCIENT -> fastestFor();
        };
    if (roam() && steps > 0 && forward(job, nodes[target])) {
      return;
    }
    start(job, nodes[target]);
  }

  private void start(Job job, int target) {
    start(job, nodes[target]);
  }

  private void start(Job job, Node node) {
    int target = node.index;
    join(job, nodes[target]);
    if (policy == Policy.OMNISCIENT) {
      rebalanceExactly();
    } else if (roam() && config.balanceOnArrival() && steps > 0) {
      balanceNode(nodes[target]);
    }
  }

  /**
   * The node the job arrived at passes it on, unstarted, if the agent's rule says so: it counts as
   * on its way to the target, as a migration does, until it gets there.
   */
  private boolean forward(Job job, Node node) {
    if (config.forward().maxHops() == 0) {
      return false;
    }
    NodeId to;
    if (config.forward().probes() > 0) {
      List<NodeId> asked = forwarding.toProbe(snapshot(node), job.id, job.hops);
      if (asked.isEmpty()) {
        return false;
      }
      to = forwarding.target(probed(node, asked), job.id, job.hops);
    } else {
      to = forwarding.target(snapshot(node), job.id, job.hops);
    }
    if (to == null) {
      return false;
    }
    int target = indexOf.get(to);
    Node t = nodes[target];
    changed(t);
    t.incoming++;
    if (node.outgoing == null) {
      node.outgoing = new HashMap<>();
    }
    node.outgoing.merge(target, 1, Integer::sum);
    job.source = node.index;
    job.hops++;
    forwards++;
    schedule(now + config.forwardSeconds(), FORWARDED, target, job.spec.id(), 0);
    return true;
  }

  private void forwarded(Job job, int target) {
    changed(nodes[target]);
    nodes[target].incoming--;
    Node source = nodes[job.source];
    doneOutgoing(source, target);
    job.source = -1;
    if (forward(job, nodes[target])) {
      return;
    }
    start(job, target);
  }

  /** Jobs passed on, unstarted, to another node. */
  public long forwards() {
    return forwards;
  }

  private boolean roam() {
    return policy == Policy.ROAM || policy == Policy.ROAM_PLACED;
  }

  private int bySpeed(double x) {
    int lo = 0;
    int hi = nodes.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulativeSpeed[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private void advance(Node node) {
    int k = node.running.size();
    if (k > 0) {
      node.v += (now - node.last) * node.speed / k;
    }
    node.last = now;
  }

  private void reschedule(Node node) {
    node.version++;
    Job next = node.running.peek();
    if (next != null) {
      double at = now + Math.max(0, next.finishV - node.v) * node.running.size() / node.speed;
      schedule(at, COMPLETION, node.index, -1, node.version);
    }
  }

  /** The node's own gossiped figures may differ from what they were at the last step. */
  private void changed(Node node) {
    if (changed != null && !node.changed) {
      node.changed = true;
      changed[changedCount++] = node.index;
    }
  }

  private void join(Job job, Node node) {
    changed(node);
    advance(node);
    job.node = node.index;
    job.finishV = node.v + job.remaining;
    job.arrivedAtNode = now;
    node.running.add(job);
    node.usedMemory += job.spec.memoryBytes();
    reschedule(node);
  }

  private void leave(Job job, Node node) {
    changed(node);
    advance(node);
    node.running.remove(job);
    job.remaining = Math.max(0, job.finishV - node.v);
    job.node = -1;
    node.usedMemory -= job.spec.memoryBytes();
    reschedule(node);
  }

  private void complete(Node node, long version) {
    if (version != node.version) {
      return;
    }
    changed(node);
    advance(node);
    boolean any = false;
    while (!node.running.isEmpty() && node.running.peek().finishV <= node.v + 1e-9) {
      Job job = node.running.poll();
      node.usedMemory -= job.spec.memoryBytes();
      job.node = -1;
      job.remaining = 0;
      double response = now - job.spec.arrival();
      slowdownSum += response / (job.spec.work() / maxSpeed);
      completed++;
      unfinished--;
      lastCompletion = now;
      any = true;
    }
    reschedule(node);
    if (any && policy == Policy.OMNISCIENT) {
      rebalanceExactly();
    }
  }

  /** One gossip (and balancing) step; false when nothing is left to do. */
  private boolean step() {
    steps++;
    if (policy == Policy.OMNISCIENT) {
      rebalanceExactly();
    } else if (roam()) {
      gossip();
      balance();
    }
    return unfinished > 0;
  }

  private LoadEntry ownEntry(Node node) {
    return new LoadEntry(
        node.id,
        node.running.size() + node.incoming,
        node.running.size(),
        node.speed,
        node.freeMemory(),
        node.totalMemory,
        0);
  }

  private void gossip() {
    // Only the nodes whose figures may have changed since the last step are looked at again.
    for (int k = 0; k < changedCount; k++) {
      Node node = nodes[changed[k]];
      node.changed = false;
      LoadEntry own = node.ownEntry;
      if (own.runnable() != node.running.size() + node.incoming
          || own.freeMemoryBytes() != node.freeMemory()) {
        own = ownEntry(node);
        node.ownEntry = own;
        ownEntries[node.index] = own;
      }
    }
    changedCount = 0;
    gossip.step(ownEntries, random);
    // The views' ages as the previous step left them (the gossip measures them in passing).
    if (gossip.entries() > 0) {
      ageSum += (double) gossip.totalAge() / gossip.entries();
      ageSamples++;
    }
  }

  private void balance() {
    int period = config.balancePeriod();
    // The nodes whose turn it is, (steps + index) % period == 0, in order: no other node touched.
    for (int i = (int) Math.floorMod(-steps, (long) period); i < nodes.length; i += period) {
      Node node = nodes[i];
      if (!node.running.isEmpty()) {
        balanceNode(node);
      }
    }
  }

  private void balanceNode(Node node) {
    Plan plan = balancer.plan(snapshot(node));
    for (Move move : plan.moves()) {
      startMigration(node, move);
    }
  }

  /** What the node knows, refilled into the one flat snapshot: no record per job or per peer. */
  private FlatSnapshot snapshot(Node node) {
    advance(node);
    FlatSnapshot s = flat.clear();
    for (Job job : node.running) {
      double used = Math.max(0, job.work - Math.max(0, job.finishV - node.v));
      s.addJob(job.id, job.memory, used, (long) (job.arrivedAtNode * 1e9), false, job.migrated);
    }
    AgeTable<Object> table = gossip.table(node.index);
    int count =
        config.candidates() == 0 ? table.size() : Math.min(table.size(), config.candidates());
    if (count > viewEntries.length) {
      int size = Math.max(count, 2 * viewEntries.length);
      viewNodes = new int[size];
      viewAges = new int[size];
      viewEntries = new Object[size];
    }
    int[] peers = viewNodes;
    int[] ages = viewAges;
    table.freshest(count, peers, ages, viewEntries, 0);
    for (int k = 0; k < count; k++) {
      LoadEntry e = (LoadEntry) viewEntries[k];
      int incoming = 0;
      if (node.outgoing != null) {
        incoming = node.outgoing.getOrDefault(peers[k], 0);
      }
      s.addTarget(
          e.node(),
          e.speed(),
          e.runnable(),
          e.freeMemoryBytes(),
          e.totalMemoryBytes(),
          ages[k],
          false,
          incoming);
    }
    return s.self(
        node.id,
        node.speed,
        node.running.size() + node.incoming,
        node.freeMemory(),
        node.totalMemory);
  }

  private final FlatSnapshot probedFlat = new FlatSnapshot(1, 8);

  /**
   * The node's own figures and those of the nodes it asked, as they are now (each answers with its
   * own entry, which counts the jobs on their way to it).
   */
  private FlatSnapshot probed(Node node, List<NodeId> asked) {
    FlatSnapshot s = probedFlat.clear();
    for (NodeId id : asked) {
      Node o = nodes[indexOf.get(id)];
      s.addTarget(
          o.id, o.speed, o.running.size() + o.incoming, o.freeMemory(), o.totalMemory, 0, false, 0);
    }
    return s.self(
        node.id,
        node.speed,
        node.running.size() + node.incoming,
        node.freeMemory(),
        node.totalMemory);
  }

  private long refused;

  /** Migrations the targets refused. */
  public long refused() {
    return refused;
  }

  private void startMigration(Node source, Move move) {
    int targetIndex = indexOf.get(move.target());
    Node candidate = nodes[targetIndex];
    NodeState targetNow =
        new NodeState(
            candidate.id,
            candidate.speed,
            candidate.running.size() + candidate.incoming,
            candidate.freeMemory(),
            candidate.totalMemory,
            0,
            false,
            0);
    if (!balancer.accepts(move, targetNow)) {
      refused++;
      return;
    }
    Job job = null;
    for (Job j : source.running) {
      if (j.id != null && j.id.equals(move.job())) {
        job = j;
        break;
      }
    }
    if (job == null) {
      throw new IllegalStateException("planned move of a job not on " + source.id + ": " + move);
    }
    int target = indexOf.get(move.target());
    leave(job, source);
    job.source = source.index;
    source.leaving++;
    Node t = nodes[target];
    changed(t);
    t.incoming++;
    t.reservedMemory += job.spec.memoryBytes();
    if (source.outgoing == null) {
      source.outgoing = new HashMap<>();
    }
    source.outgoing.merge(target, 1, Integer::sum);
    double cost = config.placement().costSeconds(job.spec.memoryBytes());
    schedule(now + cost, LANDING, target, job.spec.id(), 0);
  }

  private void land(Job job, int target) {
    Node t = nodes[target];
    changed(t);
    t.incoming--;
    t.reservedMemory -= job.spec.memoryBytes();
    Node source = nodes[job.source];
    source.leaving--;
    doneOutgoing(source, target);
    job.source = -1;
    job.migrated = true;
    migrations++;
    join(job, t);
  }

  private static void doneOutgoing(Node source, int target) {
    source.outgoing.merge(target, -1, Integer::sum);
    if (source.outgoing.get(target) == 0) {
      source.outgoing.remove(target);
      if (source.outgoing.isEmpty()) {
        // Most nodes have nothing under way: no map to look every candidate up in.
        source.outgoing = null;
      }
    }
  }

  /** The node that would give one more job the most CPU (first of equals). */
  private int fastestFor() {
    int best = 0;
    double bestRate = -1;
    for (Node node : nodes) {
      double rate = node.speed / (node.running.size() + 1);
      if (rate > bestRate) {
        bestRate = rate;
        best = node.index;
      }
    }
    return best;
  }

  /** The omniscient greedy: move jobs, for free, while one gets more CPU by moving. */
  private void rebalanceExactly() {
    for (int guard = 0; guard < 4 * jobs.length + nodes.length; guard++) {
      Node slowest = null;
      double slowestRate = Double.POSITIVE_INFINITY;
      for (Node node : nodes) {
        int k = node.running.size();
        if (k > 0 && node.speed / k < slowestRate) {
          slowestRate = node.speed / k;
          slowest = node;
        }
      }
      if (slowest == null) {
        return;
      }
      Node best = nodes[fastestFor()];
      double bestRate = best.speed / (best.running.size() + 1);
      if (best == slowest || bestRate <= slowestRate * (1 + 1e-9)) {
        return;
      }
      advance(slowest);
      Job mostServed = null;
      for (Job j : slowest.running) {
        if (mostServed == null
            || j.spec.work() - (j.finishV - slowest.v)
                > mostServed.spec.work() - (mostServed.finishV - slowest.v)) {
          mostServed = j;
        }
      }
      leave(mostServed, slowest);
      migrations++;
      join(mostServed, best);
    }
  }
}
