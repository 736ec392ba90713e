package io.roam.manager.api;

import io.roam.common.api.ClusterView;
import io.roam.common.api.CreateClusterRequest;
import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.manager.auth.Access;
import io.roam.manager.view.GridView;
import io.roam.store.ClusterStore;
import io.roam.store.Versioned;
import io.roam.web.HttpProblem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Clusters as the API shows and changes them: reads from the view, writes through the store. */
public final class ClusterService {
  private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

  private final ClusterStore store;
  private final GridView view;
  private final Clock clock;

  public ClusterService(ClusterStore store, GridView view, Clock clock) {
    this.store = store;
    this.view = view;
    this.clock = clock;
  }

  public List<ClusterView> list() {
    Counts counts = counts();
    return view.clusters().stream().map(c -> describe(c, counts)).toList();
  }

  public ClusterView get(ClusterId id) {
    return describe(require(id), counts());
  }

  private ClusterRecord require(ClusterId id) {
    return view.cluster(id)
        .orElseThrow(
            () -> new HttpProblem(404, "unknown cluster '" + id + "' (see gridctl cluster list)"));
  }

  public ClusterView create(TokenRecord caller, CreateClusterRequest request) {
    String owner = request.owner() == null ? caller.principal() : request.owner();
    if (!caller.admin()) {
      if (!owner.equals(caller.principal())) {
        throw new HttpProblem(
            403,
            "an owner may create clusters only for themself ('"
                + caller.principal()
                + "'), not for '"
                + owner
                + "'");
      }
      if (!caller.clusters().isEmpty()) {
        throw new HttpProblem(
            403,
            "token '"
                + caller.name()
                + "' is limited to clusters "
                + caller.clusters()
                + " and may not create others");
      }
    }
    ClusterId id = ClusterId.of(request.id());
    ClusterPolicy policy = request.policy() == null ? ClusterPolicy.defaults() : request.policy();
    checkPolicy(id, policy);
    if (view.cluster(id).isPresent()) {
      throw new HttpProblem(409, "cluster " + id + " exists already");
    }
    store.create(new ClusterRecord(id, owner, ClusterState.ATTACHED, clock.instant()), policy);
    view.await(
        () -> view.cluster(id).isPresent() && view.policy(id).version() >= 0, VISIBLE_WITHIN);
    return get(id);
  }

  public ClusterView setPolicy(TokenRecord caller, ClusterId id, ClusterPolicy policy) {
    ClusterRecord cluster = require(id);
    Access.requireOwner(caller, cluster, "change the policy of cluster " + id);
    checkPolicy(id, policy);
    int version = store.setPolicy(id, policy);
    view.await(() -> view.policy(id).version() >= version, VISIBLE_WITHIN);
    return get(id);
  }

  /** What only makes sense knowing the grid: no self-partnering, partners that exist. */
  private void checkPolicy(ClusterId self, ClusterPolicy policy) {
    List<String> problems = new ArrayList<>(policy.checkFor(self));
    for (ClusterPolicy.PartnerRule p : policy.partners()) {
      if (!p.cluster().equals(self.value()) && view.cluster(ClusterId.of(p.cluster())).isEmpty()) {
        problems.add("partners: no cluster " + p.cluster());
      }
    }
    if (!problems.isEmpty()) {
      throw new HttpProblem(422, "the policy does not fit the grid", problems);
    }
  }

  private record Counts(
      Map<ClusterId, Integer> nodes,
      Map<ClusterId, Integer> running,
      Map<ClusterId, Integer> guestsIn,
      Map<ClusterId, Integer> guestsOut) {}

  private Counts counts() {
    Map<NodeId, ClusterId> clusterOf = new HashMap<>();
    Map<ClusterId, Integer> nodes = new HashMap<>();
    for (NodeRecord n : view.nodes()) {
      clusterOf.put(n.id(), n.cluster());
      nodes.merge(n.cluster(), 1, Integer::sum);
    }
    Map<ClusterId, Integer> running = new HashMap<>();
    Map<ClusterId, Integer> in = new HashMap<>();
    Map<ClusterId, Integer> out = new HashMap<>();
    for (GridView.JobEntry e : view.jobs()) {
      JobRecord j = e.job();
      if (j.state() != JobState.RUNNING) {
        continue;
      }
      ClusterId where = clusterOf.get(j.node());
      if (where == null) {
        continue;
      }
      running.merge(where, 1, Integer::sum);
      if (!where.equals(j.homeCluster())) {
        in.merge(where, 1, Integer::sum);
        out.merge(j.homeCluster(), 1, Integer::sum);
      }
    }
    return new Counts(nodes, running, in, out);
  }

  private ClusterView describe(ClusterRecord c, Counts counts) {
    Versioned<ClusterPolicy> policy = view.policy(c.id());
    return new ClusterView(
        c.id(),
        c.owner(),
        c.state(),
        c.createdAt(),
        policy.value(),
        policy.version(),
        counts.nodes().getOrDefault(c.id(), 0),
        counts.running().getOrDefault(c.id(), 0),
        counts.guestsIn().getOrDefault(c.id(), 0),
        counts.guestsOut().getOrDefault(c.id(), 0));
  }
}
