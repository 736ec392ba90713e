package io.roam.manager.api;

import io.roam.common.api.ApiPaths;
import io.roam.common.api.MigrateRequest;
import io.roam.common.api.RunJobRequest;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobState;
import io.roam.manager.jobs.JobService;
import io.roam.store.GridStore;
import io.roam.store.StoreException;
import io.roam.web.BearerAuth;
import io.roam.web.Bodies;
import io.roam.web.HttpProblem;
import io.roam.web.Problems;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/** The manager's REST API under {@code /api/v1}. Handlers block (ZooKeeper), on worker threads. */
public final class RestApi {
  private static final int MAX_BODY = 1 << 20;

  private final JobService jobs;
  private final GridStore store;
  private final BearerAuth auth;
  private final OperationsApi operations;
  private final HostsApi hosts;

  public RestApi(
      JobService jobs, GridStore store, BearerAuth auth, OperationsApi operations, HostsApi hosts) {
    this.jobs = jobs;
    this.store = store;
    this.auth = auth;
    this.operations = operations;
    this.hosts = hosts;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route(ApiPaths.API + "/*").handler(auth);
    router.route(ApiPaths.API + "/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY));
    router.get(ApiPaths.STATUS).blockingHandler(ctx -> Bodies.json(ctx, 200, jobs.status()), false);
    router
        .get(ApiPaths.CLUSTERS)
        .blockingHandler(ctx -> Bodies.json(ctx, 200, store.clusters()), false);
    router.get(ApiPaths.NODES).blockingHandler(ctx -> Bodies.json(ctx, 200, jobs.nodes()), false);
    router
        .get(ApiPaths.NODES + "/:node")
        .blockingHandler(
            ctx -> Bodies.json(ctx, 200, jobs.node(param(ctx, "node", NodeId::of))), false);
    router.post(ApiPaths.JOBS).blockingHandler(this::run, false);
    router.get(ApiPaths.JOBS).blockingHandler(this::listJobs, false);
    router
        .get(ApiPaths.JOBS + "/:job")
        .blockingHandler(ctx -> Bodies.json(ctx, 200, jobs.job(jobId(ctx))), false);
    router
        .post(ApiPaths.JOBS + "/:job/kill")
        .blockingHandler(ctx -> Bodies.json(ctx, 202, jobs.kill(jobId(ctx))), false);
    router.get(ApiPaths.JOBS + "/:job/logs").blockingHandler(this::logs, false);
    router
        .post(ApiPaths.JOBS + "/:job/migrate")
        .blockingHandler(
            ctx ->
                Bodies.json(
                    ctx, 202, jobs.migrate(jobId(ctx), Bodies.read(ctx, MigrateRequest.class))),
            false);
    operations.mount(router);
    hosts.mount(router);
    router
        .route(ApiPaths.API + "/*")
        .last()
        .handler(
            ctx ->
                Problems.send(
                    ctx,
                    404,
                    "no such route: " + ctx.request().method() + " " + ctx.request().path()));
    router.route().failureHandler(RestApi::failure);
    return router;
  }

  private void run(RoutingContext ctx) {
    RunJobRequest request = Bodies.read(ctx, RunJobRequest.class);
    Bodies.json(ctx, 201, jobs.run(request));
  }

  private void listJobs(RoutingContext ctx) {
    Optional<JobState> state =
        Optional.ofNullable(ctx.request().getParam("state"))
            .map(s -> param(ctx, "state", v -> JobState.valueOf(v.toUpperCase(Locale.ROOT))));
    Optional<NodeId> node =
        Optional.ofNullable(ctx.request().getParam("node"))
            .map(s -> param(ctx, "node", NodeId::of));
    int offset = (int) Bodies.queryLong(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = (int) Bodies.queryLong(ctx, "limit", 1000, 1, JobService.MAX_PAGE);
    Bodies.json(ctx, 200, jobs.jobs(state, node, offset, limit));
  }

  private void logs(RoutingContext ctx) {
    String stream = ctx.request().getParam("stream", "stdout");
    long offset = Bodies.queryLong(ctx, "offset", 0, 0, Long.MAX_VALUE);
    JobService.Logs logs = jobs.logs(jobId(ctx), stream, offset);
    ctx.response()
        .putHeader("Content-Type", "application/octet-stream")
        .putHeader(ApiPaths.NEXT_OFFSET_HEADER, Long.toString(logs.chunk().nextOffset()))
        .putHeader(ApiPaths.JOB_STATE_HEADER, logs.state().name())
        .end(Buffer.buffer(logs.chunk().bytes()));
  }

  private static JobId jobId(RoutingContext ctx) {
    return param(ctx, "job", JobId::of);
  }

  /** A path or query parameter parsed by {@code parse}; a 400 naming it if it does not parse. */
  private static <T> T param(RoutingContext ctx, String name, Function<String, T> parse) {
    String raw = ctx.pathParam(name) != null ? ctx.pathParam(name) : ctx.request().getParam(name);
    try {
      return parse.apply(raw);
    } catch (IllegalArgumentException e) {
      String detail =
          name.equals("state")
              ? "state must be one of " + Arrays.toString(JobState.values()) + ", not '" + raw + "'"
              : e.getMessage();
      throw new HttpProblem(400, detail);
    }
  }

  private static void failure(RoutingContext ctx) {
    if (ctx.failure() instanceof StoreException e) {
      Problems.send(ctx, 503, "the grid's store is not available: " + e.getMessage());
    } else {
      Problems.onFailure(ctx);
    }
  }
}
