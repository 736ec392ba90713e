package io.roam.manager.api;

import io.roam.common.api.ApiPaths;
import io.roam.common.api.DetachRequest;
import io.roam.common.api.OperationRequest;
import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.OperationRecord;
import io.roam.manager.auth.Access;
import io.roam.manager.operations.OperationService;
import io.roam.store.GridStore;
import io.roam.web.Bodies;
import io.roam.web.HttpProblem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Routes of cluster operations: detach, attach, and their progress. */
public final class OperationsApi {
  private final OperationService operations;
  private final GridStore store;

  public OperationsApi(OperationService operations, GridStore store) {
    this.operations = operations;
    this.store = store;
  }

  /** Owners act on their own clusters only (admins on any). */
  private ClusterId owned(RoutingContext ctx, String what) {
    ClusterId id = cluster(ctx);
    ClusterRecord cluster =
        store.cluster(id).orElseThrow(() -> new HttpProblem(404, "unknown cluster '" + id + "'"));
    Access.requireOwner(Access.caller(ctx), cluster, what + " cluster " + id);
    return id;
  }

  public void mount(Router router) {
    router.post(ApiPaths.CLUSTERS + "/:cluster/detach").blockingHandler(this::detach, false);
    router
        .post(ApiPaths.CLUSTERS + "/:cluster/attach")
        .blockingHandler(
            ctx -> {
              ClusterId id = owned(ctx, "attach");
              OperationRequest request =
                  Bodies.readOptional(ctx, OperationRequest.class, OperationRequest.DEFAULTS);
              Bodies.json(ctx, 202, operations.attach(id, request));
            },
            false);
    router
        .get(ApiPaths.OPERATIONS)
        .blockingHandler(
            ctx ->
                Bodies.json(
                    ctx,
                    200,
                    operations.operations().stream()
                        .filter(o -> mayRead(Access.caller(ctx), o))
                        .toList()),
            false);
    router.get(ApiPaths.OPERATIONS + "/:operation").blockingHandler(this::operation, false);
  }

  private boolean mayRead(TokenRecord caller, OperationRecord op) {
    return Access.mayRead(caller, op, store::cluster);
  }

  private void operation(RoutingContext ctx) {
    OperationRecord op = operations.operation(ctx.pathParam("operation"));
    if (!mayRead(Access.caller(ctx), op)) {
      throw new HttpProblem(
          403, "operation " + op.id() + " is on cluster " + op.cluster() + ", which is not yours");
    }
    Bodies.json(ctx, 200, op);
  }

  private void detach(RoutingContext ctx) {
    ClusterId id = owned(ctx, "detach");
    DetachRequest request =
        Bodies.readOptional(ctx, DetachRequest.class, new DetachRequest(null, null));
    Bodies.json(ctx, 202, operations.detach(id, request));
  }

  private static ClusterId cluster(RoutingContext ctx) {
    try {
      return ClusterId.of(ctx.pathParam("cluster"));
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage());
    }
  }
}
