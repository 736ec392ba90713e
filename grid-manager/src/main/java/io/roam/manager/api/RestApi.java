package io.roam.manager.api;

import io.netty.buffer.ByteBuf;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.CreateClusterRequest;
import io.roam.common.api.CreateTokenRequest;
import io.roam.common.api.GridStatus;
import io.roam.common.api.MigrateRequest;
import io.roam.common.api.NodeSummary;
import io.roam.common.api.RunJobRequest;
import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.manager.auth.Access;
import io.roam.manager.auth.TokenService;
import io.roam.manager.jobs.JobService;
import io.roam.manager.view.EventLog;
import io.roam.manager.view.GridView;
import io.roam.store.ConflictException;
import io.roam.store.NotFoundException;
import io.roam.store.StoreException;
import io.roam.web.BearerAuth;
import io.roam.web.Bodies;
import io.roam.web.HttpProblem;
import io.roam.web.Problems;
import io.roam.web.SharedAnswers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The manager's REST API under {@code /api/v1}. Reads are answered from the read model on the event
 * loop; writes go to ZooKeeper on worker threads and return once the read model shows them, so a
 * client reads its own writes.
 */
public final class RestApi {
  /** Largest request body. */
  public static final int MAX_BODY = 64 * 1024;

  public static final String OPENAPI = ApiPaths.API + "/openapi.yaml";
  public static final String TOKENS = ApiPaths.API + "/tokens";
  public static final String EVENTS = ApiPaths.EVENTS;

  private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

  private final JobService jobs;
  private final GridView view;
  private final ClusterService clusters;
  private final TokenService tokens;
  private final OperationsApi operations;
  private final HostsApi hosts;
  private final NodeControlApi nodeControl;
  private final String grid;
  private final String zookeeper;
  private final byte[] openapi;
  private final EventLog events;

  public RestApi(
      JobService jobs,
      GridView view,
      ClusterService clusters,
      TokenService tokens,
      OperationsApi operations,
      HostsApi hosts,
      String grid,
      String zookeeper) {
    this(jobs, view, clusters, tokens, operations, hosts, null, grid, zookeeper, null);
  }

  /**
   * @param nodeControl the node flags and node operations; null serves none (nodes show no flags)
   * @param events the events kept for clients that resume; null for a log of this API's own
   */
  public RestApi(
      JobService jobs,
      GridView view,
      ClusterService clusters,
      TokenService tokens,
      OperationsApi operations,
      HostsApi hosts,
      NodeControlApi nodeControl,
      String grid,
      String zookeeper,
      EventLog events) {
    if (events == null) {
      events = new EventLog(EventLog.epochAt(System.currentTimeMillis()), EventLog.CAPACITY);
      view.listen(events);
    }
    this.events = events;
    this.nodeControl = nodeControl;
    this.operations = operations;
    this.hosts = hosts;
    this.jobs = jobs;
    this.view = view;
    this.clusters = clusters;
    this.tokens = tokens;
    this.grid = grid;
    this.zookeeper = zookeeper;
    this.openapi = loadOpenApi();
  }

  private static byte[] loadOpenApi() {
    try (InputStream in = RestApi.class.getResourceAsStream("/openapi.yaml")) {
      return in == null ? new byte[0] : in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the bundled openapi.yaml", e);
    }
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router
        .get(OPENAPI)
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/yaml")
                    .end(Buffer.buffer(openapi)));
    router.route(ApiPaths.API + "/*").handler(new BearerAuth(tokens::byHash));
    router.route(ApiPaths.API + "/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY));

    router.get(ApiPaths.STATUS).handler(ctx -> Bodies.json(ctx, 200, status()));

    router.get(ApiPaths.CLUSTERS).handler(ctx -> Bodies.json(ctx, 200, clusters.list()));
    router
        .post(ApiPaths.CLUSTERS)
        .blockingHandler(
            ctx ->
                Bodies.json(
                    ctx,
                    201,
                    clusters.create(
                        Access.caller(ctx), Bodies.readValid(ctx, CreateClusterRequest.class))),
            false);
    router
        .get(ApiPaths.CLUSTERS + "/:cluster")
        .handler(ctx -> Bodies.json(ctx, 200, clusters.get(clusterId(ctx))));
    router
        .put(ApiPaths.CLUSTERS + "/:cluster/policy")
        .blockingHandler(
            ctx -> {
              ClusterId id = clusterId(ctx);
              ClusterPolicy policy = Bodies.readValid(ctx, ClusterPolicy.class);
              Bodies.json(ctx, 200, clusters.setPolicy(Access.caller(ctx), id, policy));
            },
            false);

    router.get(ApiPaths.NODES).handler(ctx -> Bodies.json(ctx, 200, nodes()));
    router
        .get(ApiPaths.NODES + "/:node")
        .handler(ctx -> Bodies.json(ctx, 200, node(param(ctx, "node", NodeId::of))));
    router
        .get(ApiPaths.NODES + "/:node/load")
        .blockingHandler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(jobs.load(param(ctx, "node", NodeId::of)))),
            false);

    router.post(ApiPaths.JOBS).blockingHandler(this::run, false);
    router.get(ApiPaths.JOBS).handler(this::listJobs);
    router.get(ApiPaths.JOBS + "/:job").handler(ctx -> Bodies.json(ctx, 200, visibleJob(ctx)));
    router.post(ApiPaths.JOBS + "/:job/kill").blockingHandler(this::kill, false);
    router.get(ApiPaths.JOBS + "/:job/logs").blockingHandler(this::logs, false);
    router.post(ApiPaths.JOBS + "/:job/migrate").blockingHandler(this::migrate, false);
    router.post(ApiPaths.JOBS + "/:job/lock").blockingHandler(ctx -> lock(ctx, true), false);
    router.post(ApiPaths.JOBS + "/:job/unlock").blockingHandler(ctx -> lock(ctx, false), false);
    router.post(ApiPaths.JOBS + "/:job/checkpoint").blockingHandler(this::checkpoint, false);
    operations.mount(router);
    hosts.mount(router);
    if (nodeControl != null) {
      nodeControl.mount(router);
    }

    router.get(TOKENS).handler(ctx -> Bodies.json(ctx, 200, tokens.list(Access.caller(ctx))));
    router
        .post(TOKENS)
        .blockingHandler(
            ctx ->
                Bodies.json(
                    ctx,
                    201,
                    tokens.create(
                        Access.caller(ctx), Bodies.readValid(ctx, CreateTokenRequest.class))),
            false);
    router
        .delete(TOKENS + "/:name")
        .blockingHandler(
            ctx -> {
              tokens.revoke(Access.caller(ctx), ctx.pathParam("name"));
              ctx.response().setStatusCode(204).end();
            },
            false);

    router.get(EVENTS).handler(ctx -> EventStream.open(vertx, ctx, events, this::visibleValue));

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

  private GridStatus status() {
    Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      counts.put(s, 0);
    }
    view.jobs().forEach(e -> counts.merge(e.job().state(), 1, Integer::sum));
    return new GridStatus(grid, zookeeper, view.clusters().size(), view.nodes().size(), counts);
  }

  private List<NodeSummary> nodes() {
    Map<NodeId, Integer> running = new HashMap<>();
    for (GridView.JobEntry e : view.jobs()) {
      if (e.job().state() == JobState.RUNNING) {
        running.merge(e.job().node(), 1, Integer::sum);
      }
    }
    return view.nodes().stream()
        .map(n -> NodeSummary.of(n, running.getOrDefault(n.id(), 0), flagsOf(n.id())))
        .toList();
  }

  private NodeSummary node(NodeId id) {
    NodeRecord n =
        view.node(id)
            .orElseThrow(
                () -> new HttpProblem(404, "unknown node '" + id + "' (see gridctl node list)"));
    int running =
        (int)
            view.jobs().stream()
                .filter(e -> e.job().state() == JobState.RUNNING && e.job().node().equals(id))
                .count();
    return NodeSummary.of(n, running, flagsOf(id));
  }

  private io.roam.common.model.NodeFlags flagsOf(NodeId id) {
    return nodeControl == null ? null : nodeControl.flags(id).orElse(null);
  }

  private void run(RoutingContext ctx) {
    TokenRecord caller = Access.caller(ctx);
    RunJobRequest request = Bodies.readValid(ctx, RunJobRequest.class);
    JobRecord job = jobs.run(request, caller.principal());
    awaitStored(job.id());
    Bodies.json(ctx, 201, job);
  }

  private void migrate(RoutingContext ctx) {
    TokenRecord caller = Access.caller(ctx);
    JobRecord job = jobs.job(param(ctx, "job", JobId::of));
    if (!Access.ownsJob(caller, job)) {
      throw new HttpProblem(
          403, "job " + job.id() + " is not yours: only its owner or a grid admin may move it");
    }
    MigrateRequest request = Bodies.read(ctx, MigrateRequest.class);
    if (nodeControl != null) {
      // A blocked target would refuse the guest anyway: say why now, and start nothing.
      try {
        NodeId target =
            MigrateRequest.HOME.equals(request.target()) ? job.home() : NodeId.of(request.target());
        nodeControl
            .refusal(job, target)
            .ifPresent(
                why -> {
                  throw new HttpProblem(409, "job " + job.id() + " cannot go there: " + why);
                });
      } catch (IllegalArgumentException e) {
        // JobService words the bad target
      }
    }
    Bodies.json(ctx, 202, jobs.migrate(job.id(), request));
  }

  /** Locking a job is moving it in a way: the same people may do it as may migrate it. */
  private void lock(RoutingContext ctx, boolean lock) {
    TokenRecord caller = Access.caller(ctx);
    JobRecord job = jobs.job(param(ctx, "job", JobId::of));
    if (!Access.ownsJob(caller, job)) {
      throw new HttpProblem(
          403,
          "job "
              + job.id()
              + " is not yours: only its owner or a grid admin may "
              + (lock ? "lock" : "unlock")
              + " it");
    }
    JobRecord after = jobs.lock(job.id(), lock);
    awaitStored(job.id());
    Bodies.json(ctx, 200, after);
  }

  private void checkpoint(RoutingContext ctx) {
    TokenRecord caller = Access.caller(ctx);
    JobRecord job = visibleJob(ctx);
    if (!Access.ownsJob(caller, job)) {
      throw new HttpProblem(
          403,
          "job " + job.id() + " is not yours: only its owner or a grid admin may checkpoint it");
    }
    String wait = ctx.request().getParam("wait", "false");
    if (!wait.equals("true") && !wait.equals("false")) {
      throw new HttpProblem(400, "wait must be true or false, not '" + wait + "'");
    }
    boolean waiting = wait.equals("true");
    JobRecord after = jobs.checkpoint(job.id(), waiting);
    if (waiting) {
      awaitStored(job.id());
    }
    Bodies.json(ctx, waiting ? 200 : 202, after);
  }

  private void kill(RoutingContext ctx) {
    TokenRecord caller = Access.caller(ctx);
    JobRecord job = visibleJob(ctx);
    if (!Access.ownsJob(caller, job)) {
      throw new HttpProblem(
          403,
          "job "
              + job.id()
              + " is not yours: only its owner or a grid admin may kill it"
              + " (you are '"
              + caller.principal()
              + "')");
    }
    JobRecord after = jobs.kill(job.id());
    awaitStored(job.id());
    Bodies.json(ctx, 202, after);
  }

  /** Waits until the read model holds the stored version of a job this request changed. */
  private void awaitStored(JobId id) {
    jobs.stored(id)
        .ifPresent(
            v ->
                view.await(
                    () -> view.job(id).map(e -> e.version() >= v.version()).orElse(false),
                    VISIBLE_WITHIN));
  }

  /**
   * Listings answered at the view's current generation, by caller and query: an unchanged grid is
   * listed once, however often it is asked, and each answer is sent from one shared buffer. At most
   * 64 MiB of them (twenty listings of 10,000 jobs), dropped whenever the generation moves on.
   */
  private final SharedAnswers listings = new SharedAnswers(64, 64L << 20);

  private void listJobs(RoutingContext ctx) {
    TokenRecord caller = Access.caller(ctx);
    String key = caller.name() + "?" + ctx.request().query();
    ByteBuf answer = listings.acquire(view.generation(), key, () -> listJobs(ctx, caller));
    ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json");
    SharedAnswers.send(ctx.response(), answer);
  }

  private Buffer listJobs(RoutingContext ctx, TokenRecord caller) {
    Optional<JobState> state =
        Optional.ofNullable(ctx.request().getParam("state"))
            .map(s -> param(ctx, "state", v -> JobState.valueOf(v.toUpperCase(Locale.ROOT))));
    Optional<NodeId> node =
        Optional.ofNullable(ctx.request().getParam("node"))
            .map(s -> param(ctx, "node", NodeId::of));
    Optional<ClusterId> cluster =
        Optional.ofNullable(ctx.request().getParam("cluster"))
            .map(s -> param(ctx, "cluster", ClusterId::of));
    Optional<ClusterId> home =
        Optional.ofNullable(ctx.request().getParam("home"))
            .map(s -> param(ctx, "home", ClusterId::of));
    int offset = (int) Bodies.queryLong(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    int limit = (int) Bodies.queryLong(ctx, "limit", 1000, 1, JobService.MAX_PAGE);
    Buffer out = Buffer.buffer(64 * 1024).appendString("{\"items\":[");
    int total = 0;
    int written = 0;
    for (GridView.JobEntry e : view.jobs()) {
      JobRecord j = e.job();
      if ((state.isPresent() && j.state() != state.get())
          || (node.isPresent() && !j.node().equals(node.get()))
          || (home.isPresent() && !j.homeCluster().equals(home.get()))
          || (cluster.isPresent() && !concerns(j, cluster.get()))) {
        continue;
      }
      byte[] json;
      if (Access.ownsJob(caller, j)) {
        json = e.json();
      } else {
        Optional<JobRecord> seen = visible(caller, j);
        if (seen.isEmpty()) {
          continue;
        }
        json = total >= offset && written < limit ? Json.encode(seen.get()) : null;
      }
      if (total >= offset && written < limit) {
        if (written > 0) {
          out.appendByte((byte) ',');
        }
        out.appendBytes(json);
        written++;
      }
      total++;
    }
    out.appendString(
        "],\"total\":" + total + ",\"offset\":" + offset + ",\"limit\":" + limit + "}");
    return out;
  }

  /** Whether a job is one of the cluster's: it comes from there, or it runs on a node of it. */
  private boolean concerns(JobRecord job, ClusterId cluster) {
    return job.homeCluster().equals(cluster)
        || view.node(job.node()).map(n -> n.cluster().equals(cluster)).orElse(false);
  }

  /** The job of the path, as the caller may see it; 404 if unknown, 403 if not theirs to see. */
  private JobRecord visibleJob(RoutingContext ctx) {
    JobId id = param(ctx, "job", JobId::of);
    JobRecord job =
        view.job(id)
            .map(GridView.JobEntry::job)
            .orElseThrow(() -> new HttpProblem(404, "unknown job '" + id + "' (see gridctl ps)"));
    TokenRecord caller = Access.caller(ctx);
    return visible(caller, job)
        .orElseThrow(
            () ->
                new HttpProblem(
                    403,
                    "job "
                        + id
                        + " belongs to another owner and neither runs on nor comes from a"
                        + " cluster of yours"));
  }

  /** An event's value as the caller may see it: jobs as above, operations to their owners. */
  private Optional<Object> visibleValue(TokenRecord caller, Object value) {
    if (value instanceof JobRecord job) {
      return visible(caller, job).map(Object.class::cast);
    }
    if (value instanceof OperationRecord op) {
      return Access.mayRead(caller, op, view::cluster) ? Optional.of(op) : Optional.empty();
    }
    return Optional.of(value);
  }

  private Optional<JobRecord> visible(TokenRecord caller, JobRecord job) {
    return Access.visible(
        caller,
        job,
        n -> view.node(n).map(NodeRecord::cluster),
        c -> view.cluster(c).map(Function.<ClusterRecord>identity()));
  }

  private void logs(RoutingContext ctx) {
    TokenRecord caller = Access.caller(ctx);
    JobRecord job = visibleJob(ctx);
    if (!Access.ownsJob(caller, job)) {
      throw new HttpProblem(
          403, "the output of job " + job.id() + " is its owner's: only they or an admin read it");
    }
    String stream = ctx.request().getParam("stream", "stdout");
    long offset = Bodies.queryLong(ctx, "offset", 0, 0, Long.MAX_VALUE);
    JobService.Logs logs = jobs.logs(job.id(), stream, offset);
    ctx.response()
        .putHeader("Content-Type", "application/octet-stream")
        .putHeader(ApiPaths.NEXT_OFFSET_HEADER, Long.toString(logs.chunk().nextOffset()))
        .putHeader(ApiPaths.JOB_STATE_HEADER, logs.state().name())
        .end(Buffer.buffer(logs.chunk().bytes()));
  }

  private static ClusterId clusterId(RoutingContext ctx) {
    return param(ctx, "cluster", ClusterId::of);
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
    Throwable f = ctx.failure();
    if (f instanceof ConflictException e) {
      Problems.send(ctx, 409, e.getMessage());
    } else if (f instanceof NotFoundException e) {
      Problems.send(ctx, 404, e.getMessage());
    } else if (f instanceof StoreException e) {
      Problems.send(ctx, 503, "the grid's store is not available: " + e.getMessage());
    } else {
      Problems.onFailure(ctx);
    }
  }
}
