package io.roam.manager.api;

import io.roam.common.api.ApiPaths;
import io.roam.common.api.NodeFlagsRequest;
import io.roam.common.api.OperationRequest;
import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeFlags;
import io.roam.common.model.NodeRecord;
import io.roam.manager.auth.Access;
import io.roam.manager.operations.OperationService;
import io.roam.manager.view.GridView;
import io.roam.store.NodeFlagStore;
import io.roam.store.Versioned;
import io.roam.web.Bodies;
import io.roam.web.HttpProblem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Optional;

/**
 * Routes of the per-node controls: the node flags (stay, block), and the node operations expel
 * (guests leave) and bring (its own jobs come back). Only the owner of the node's cluster or an
 * admin may use them.
 */
public final class NodeControlApi {
  private final NodeFlagStore flags;
  private final GridView view;
  private final Clock clock;
  private final OperationService operations;

  /**
   * @param operations where expel and bring become persisted operations
   */
  public NodeControlApi(
      NodeFlagStore flags, GridView view, Clock clock, OperationService operations) {
    this.operations = operations;
    this.flags = flags;
    this.view = view;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post(ApiPaths.NODES + "/:node/flags").blockingHandler(this::setFlags, false);
    router
        .post(ApiPaths.NODES + "/:node/expel")
        .blockingHandler(
            ctx -> {
              NodeId id = node(ctx);
              ownedCluster(Access.caller(ctx), id, "expel the guests of node " + id);
              Bodies.json(ctx, 202, operations.expel(id, options(ctx)));
            },
            false);
    router
        .post(ApiPaths.NODES + "/:node/bring")
        .blockingHandler(
            ctx -> {
              NodeId id = node(ctx);
              ownedCluster(Access.caller(ctx), id, "bring the jobs of node " + id + " home");
              Bodies.json(ctx, 202, operations.bring(id, options(ctx)));
            },
            false);
  }

  private static OperationRequest options(RoutingContext ctx) {
    return Bodies.readOptional(ctx, OperationRequest.class, OperationRequest.DEFAULTS);
  }

  /** The node's flags as the manager's watch last saw them. */
  public Optional<NodeFlags> flags(NodeId id) {
    return flags.flags(id);
  }

  /**
   * Why {@code target} refuses {@code job} by its flags, if it does: a blocked node takes no
   * guests, only its own jobs coming home.
   */
  public Optional<String> refusal(JobRecord job, NodeId target) {
    return flags(target).flatMap(f -> f.refusal(job.home()));
  }

  private void setFlags(RoutingContext ctx) {
    NodeId id = node(ctx);
    TokenRecord caller = Access.caller(ctx);
    NodeFlagsRequest request = Bodies.readValid(ctx, NodeFlagsRequest.class);
    ClusterRecord cluster = ownedCluster(caller, id, "set the flags of node " + id);
    NodeFlags after =
        flags.update(
            id,
            cluster.id(),
            f -> f.with(request.stay(), request.block(), clock.instant(), caller.principal()));
    Bodies.json(ctx, 200, after);
  }

  /**
   * The cluster of the node (live, or as its flags remember it while it is down), which the caller
   * must own.
   */
  ClusterRecord ownedCluster(TokenRecord caller, NodeId id, String what) {
    ClusterId clusterId =
        view.node(id)
            .map(NodeRecord::cluster)
            .or(() -> flags.read(id).map(Versioned::value).map(NodeFlags::cluster))
            .orElseThrow(
                () ->
                    new HttpProblem(
                        404, "unknown node '" + id + "': it is not up (see gridctl node list)"));
    ClusterRecord cluster =
        view.cluster(clusterId)
            .orElseThrow(
                () -> new HttpProblem(404, "node " + id + " is of unknown cluster " + clusterId));
    Access.requireOwner(caller, cluster, what);
    return cluster;
  }

  static NodeId node(RoutingContext ctx) {
    try {
      return NodeId.of(ctx.pathParam("node"));
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage());
    }
  }
}
