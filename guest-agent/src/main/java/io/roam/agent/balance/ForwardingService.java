package io.roam.agent.balance;

import io.roam.agent.gossip.LoadEntry;
import io.roam.agent.launch.LaunchException;
import io.roam.agent.placement.FlatSnapshot;
import io.roam.agent.placement.Forwarding;
import io.roam.agent.placement.NodeState;
import io.roam.agent.placement.Snapshot;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import io.roam.store.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a job that arrives here, and has not started, on to a clearly better node, when the pure
 * {@link Forwarding} rule says so: it asks the best nodes of the gossip view for their figures now,
 * decides on those, moves the job's record to the chosen node by compare-and-set (the record
 * decides where the job starts: once), and asks that node's agent to start it. Only when automatic
 * balancing is on here, the owner did not say stay, the job is not locked and was not passed on
 * already; never to a blocked node or one whose cluster's policy refuses the job.
 */
public final class ForwardingService {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardingService.class);

  private final NodeId self;
  private final ClusterId cluster;
  private final GridStore store;
  private final ArrivalView balancing;
  private final Forwarding rule;
  private final PeerAgents peers;
  private final ExecutorService probes;
  private final Clock clock;
  private final Duration remembered;
  // Jobs passed on lately: counted on their targets until their own figures show them.
  private final Map<JobId, Sent> sent = new HashMap<>();

  private record Sent(NodeId target, Instant at) {}

  /**
   * @param remembered how long a job passed on counts on its target (a few gossip steps, until the
   *     target's own figures count it)
   */
  public ForwardingService(
      NodeId self,
      ClusterId cluster,
      GridStore store,
      ArrivalView balancing,
      Forwarding rule,
      PeerAgents peers,
      ExecutorService probes,
      Clock clock,
      Duration remembered) {
    this.self = Objects.requireNonNull(self, "self");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.store = Objects.requireNonNull(store, "store");
    this.balancing = Objects.requireNonNull(balancing, "balancing");
    this.rule = Objects.requireNonNull(rule, "rule");
    this.peers = Objects.requireNonNull(peers, "peers");
    this.probes = Objects.requireNonNull(probes, "probes");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.remembered = Objects.requireNonNull(remembered, "remembered");
  }

  /**
   * Passes the job on if it should go elsewhere and another node started it; empty: start it here.
   * A failure to pass it on is never the job's: it then starts here, unless the other node has
   * started it after all (its record says so).
   */
  public Optional<JobRecord> forward(AgentLaunchRequest request) {
    JobId id = request.job();
    Versioned<JobRecord> current;
    try {
      current = store.job(id).orElse(null);
    } catch (StoreException e) {
      return Optional.empty();
    }
    if (current == null) {
      return Optional.empty();
    }
    JobRecord job = current.value();
    if (job.state() != JobState.PENDING
        || !job.node().equals(self)
        || job.locked()
        || !job.command().equals(request.command())) {
      return Optional.empty();
    }
    int hops = job.forwardedFrom() == null ? 0 : 1;
    Optional<Snapshot> snapshot = balancing.arrivalSnapshot(inFlight());
    if (snapshot.isEmpty()) {
      return Optional.empty();
    }
    Map<NodeId, NodeRecord> members = new HashMap<>();
    balancing.members().forEach(n -> members.put(n.id(), n));
    Snapshot view = snapshot.get();
    if (!view.others().stream().allMatch(n -> members.containsKey(n.node()))) {
      // Gossip may name a node before this agent's periodic read of the members does.
      try {
        store.nodes().forEach(n -> members.put(n.id(), n));
      } catch (StoreException e) {
        LOG.debug("members not read: {}", e.getMessage());
      }
    }
    // A job belongs to the cluster it was started in: passing it on never changes its owner, so
    // only nodes of that cluster are candidates; other clusters take it as a guest, by migration,
    // under their policies and their detach.
    ClusterId home = job.homeCluster();
    Snapshot ownCluster =
        new Snapshot(
            view.self(),
            view.stay(),
            view.jobs(),
            view.others().stream()
                .filter(n -> members.containsKey(n.node()))
                .filter(n -> members.get(n.node()).cluster().equals(home))
                .toList());
    List<NodeId> asked = rule.toProbe(FlatSnapshot.of(ownCluster), id, hops);
    List<NodeState> fresh = probe(asked, members, ownCluster);
    if (fresh.isEmpty()) {
      LOG.debug("job {} starts here: none of {} answered or looked better", id, asked);
      return Optional.empty();
    }
    NodeId target =
        rule.target(
            FlatSnapshot.of(new Snapshot(ownCluster.self(), false, List.of(), fresh)), id, hops);
    NodeRecord to = target == null ? null : members.get(target);
    if (to == null) {
      LOG.debug("job {} starts here: no node clearly better than here of {}", id, fresh);
      return Optional.empty();
    }
    JobRecord moved = job.forwardedTo(to.id(), to.cluster());
    try {
      if (!store.compareAndSet(moved, current.version())) {
        return Optional.empty();
      }
    } catch (StoreException e) {
      return Optional.empty();
    }
    remember(id, to.id());
    LOG.info("job {} passed on, not started, to {}", id, to.id());
    try {
      return Optional.of(peers.launch(to, request));
    } catch (PeerAgents.PeerCallException e) {
      LOG.info("job {} not started by {}: {}", id, to.id(), e.getMessage());
      Optional<JobRecord> after = takeBack(id, to.id());
      if (after.isPresent() && after.get().state() == JobState.FAILED) {
        // It could not start there (its record says why): the manager hears it as from here.
        throw new LaunchException(
            "job " + id + " could not start on " + to.id() + ": " + e.getMessage());
      }
      return after;
    }
  }

  /**
   * The chosen node did not start the job: the record comes back here if it still says pending
   * there (compare-and-set: that node cannot start it any more), and the job starts here. If the
   * record moved on (that node started it, or it failed there), that is the job's state.
   */
  private Optional<JobRecord> takeBack(JobId id, NodeId target) {
    while (true) {
      Versioned<JobRecord> now = store.job(id).orElseThrow();
      JobRecord j = now.value();
      if (j.state() != JobState.PENDING || !j.node().equals(target)) {
        return Optional.of(j);
      }
      if (store.compareAndSet(j.forwardUndone(cluster), now.version())) {
        forget(id);
        return Optional.empty();
      }
    }
  }

  /** The probed nodes' own figures, as they answer; nodes that do not answer are left out. */
  private List<NodeState> probe(
      List<NodeId> asked, Map<NodeId, NodeRecord> members, Snapshot snapshot) {
    Map<NodeId, Integer> incoming = new HashMap<>();
    snapshot.others().forEach(n -> incoming.put(n.node(), n.incoming()));
    List<CompletableFuture<Optional<LoadEntry>>> answers = new ArrayList<>();
    for (NodeId id : asked) {
      NodeRecord node = members.get(id);
      if (node == null) {
        continue;
      }
      answers.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Optional.of(peers.load(node));
                } catch (RuntimeException e) {
                  LOG.info("load of {}: {}", id, e.getMessage());
                  return Optional.<LoadEntry>empty();
                }
              },
              probes));
    }
    List<NodeState> out = new ArrayList<>();
    for (CompletableFuture<Optional<LoadEntry>> a : answers) {
      a.join()
          .ifPresent(
              e ->
                  out.add(
                      new NodeState(
                          e.node(),
                          e.speed(),
                          // Its jobs too: one it started since its last step counts at once.
                          Math.max(e.runnable(), e.jobs()),
                          e.freeMemoryBytes(),
                          e.totalMemoryBytes(),
                          0,
                          balancing.isBlocked(e.node()),
                          incoming.getOrDefault(e.node(), 0))));
    }
    return out;
  }

  private synchronized Map<NodeId, Integer> inFlight() {
    Instant oldest = clock.instant().minus(remembered);
    sent.values().removeIf(s -> s.at().isBefore(oldest));
    Map<NodeId, Integer> out = new HashMap<>();
    sent.values().forEach(s -> out.merge(s.target(), 1, Integer::sum));
    return out;
  }

  private synchronized void remember(JobId id, NodeId target) {
    sent.put(id, new Sent(target, clock.instant()));
  }

  private synchronized void forget(JobId id) {
    sent.remove(id);
  }
}
