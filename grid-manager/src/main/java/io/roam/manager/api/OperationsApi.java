package io.roam.manager.api;

import io.roam.common.api.ApiPaths;
import io.roam.common.api.DetachRequest;
import io.roam.common.id.ClusterId;
import io.roam.manager.operations.OperationService;
import io.roam.web.Bodies;
import io.roam.web.HttpProblem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Routes of cluster operations: detach, attach, and their progress. */
public final class OperationsApi {
  private final OperationService operations;

  public OperationsApi(OperationService operations) {
    this.operations = operations;
  }

  public void mount(Router router) {
    router.post(ApiPaths.CLUSTERS + "/:cluster/detach").blockingHandler(this::detach, false);
    router
        .post(ApiPaths.CLUSTERS + "/:cluster/attach")
        .blockingHandler(ctx -> Bodies.json(ctx, 202, operations.attach(cluster(ctx))), false);
    router
        .get(ApiPaths.OPERATIONS)
        .blockingHandler(ctx -> Bodies.json(ctx, 200, operations.operations()), false);
    router
        .get(ApiPaths.OPERATIONS + "/:op")
        .blockingHandler(
            ctx -> Bodies.json(ctx, 200, operations.operation(ctx.pathParam("op"))), false);
  }

  private void detach(RoutingContext ctx) {
    DetachRequest request =
        ctx.body().length() == 0
            ? new DetachRequest(null, null)
            : Bodies.read(ctx, DetachRequest.class);
    Bodies.json(ctx, 202, operations.detach(cluster(ctx), request));
  }

  private static ClusterId cluster(RoutingContext ctx) {
    try {
      return ClusterId.of(ctx.pathParam("cluster"));
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage());
    }
  }
}
