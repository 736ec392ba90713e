package io.roam.agent.balance;

import io.roam.agent.placement.MigrationPolicy;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.PartnerPriority;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The owners' policies as this node's balancer and its local-first check need them: which cluster a
 * node is in, which cluster a job is from, and what each cluster's owner allows. Read from
 * ZooKeeper and kept for a few seconds, since the balancer asks about every job and target at each
 * decision. When something is unknown the move is allowed: the target's agent checks the policy
 * again when the job arrives ({@code GuestAdmission}).
 */
public final class ClusterPolicyView implements MigrationPolicy {
  private final GridStore store;
  private final Function<ClusterId, ClusterPolicy> policyOf;
  private final Clock clock;
  private final Duration keep;
  private final Map<JobId, JobRecord> jobs = new ConcurrentHashMap<>();
  private final Map<ClusterId, Timed<ClusterPolicy>> policies = new ConcurrentHashMap<>();
  private volatile Timed<List<NodeRecord>> members = new Timed<>(List.of(), Instant.MIN);

  private record Timed<T>(T value, Instant at) {}

  public ClusterPolicyView(
      GridStore store, Function<ClusterId, ClusterPolicy> policyOf, Clock clock, Duration keep) {
    this.store = store;
    this.policyOf = policyOf;
    this.clock = clock;
    this.keep = keep;
  }

  @Override
  public boolean allows(JobId job, NodeId target) {
    return rank(job, target).map(OptionalInt::isPresent).orElse(true);
  }

  @Override
  public int priority(JobId job, NodeId target) {
    return rank(job, target)
        .map(p -> p.orElse(Integer.MIN_VALUE))
        .orElse(ClusterPolicy.DEFAULT_PRIORITY);
  }

  /** The target cluster's priority for the job's home cluster; empty when either is unknown. */
  private Optional<OptionalInt> rank(JobId job, NodeId target) {
    Optional<ClusterId> home = record(job).map(JobRecord::homeCluster);
    Optional<ClusterId> host = node(target).map(NodeRecord::cluster);
    if (home.isEmpty() || host.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(PartnerPriority.of(host.get(), policy(host.get()), home.get()));
  }

  /** The job's record as last read (its home never changes); empty if it cannot be read. */
  public Optional<JobRecord> record(JobId job) {
    JobRecord known = jobs.get(job);
    if (known != null) {
      return Optional.of(known);
    }
    try {
      Optional<JobRecord> read = store.job(job).map(v -> v.value());
      read.ifPresent(r -> jobs.put(job, r));
      return read;
    } catch (StoreException e) {
      return Optional.empty();
    }
  }

  /** Forgets the records of jobs no longer here. */
  public void retainJobs(java.util.Set<JobId> here) {
    jobs.keySet().retainAll(here);
  }

  /** The nodes that are up, as last read. */
  public List<NodeRecord> members() {
    Timed<List<NodeRecord>> m = members;
    Instant now = clock.instant();
    if (m.at().plus(keep).isBefore(now)) {
      try {
        m = new Timed<>(store.nodes(), now);
        members = m;
      } catch (StoreException e) {
        // the last list serves until ZooKeeper answers again
      }
    }
    return m.value();
  }

  public Optional<NodeRecord> node(NodeId id) {
    return members().stream().filter(n -> n.id().equals(id)).findFirst();
  }

  public ClusterPolicy policy(ClusterId cluster) {
    Instant now = clock.instant();
    Timed<ClusterPolicy> p = policies.get(cluster);
    if (p == null || p.at().plus(keep).isBefore(now)) {
      try {
        p = new Timed<>(policyOf.apply(cluster), now);
        policies.put(cluster, p);
      } catch (StoreException e) {
        return p == null ? ClusterPolicy.defaults() : p.value();
      }
    }
    return p.value();
  }
}
