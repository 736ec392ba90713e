package io.roam.agent.api;

import io.roam.agent.balance.BalancingService;
import io.roam.agent.balance.ForwardingService;
import io.roam.agent.jobs.JobConflictException;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.LaunchException;
import io.roam.agent.migration.CheckpointTaker;
import io.roam.agent.migration.Migrator;
import io.roam.agent.recovery.RestoreService;
import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.store.GridStore;
import io.roam.store.NotFoundException;
import io.roam.web.BearerAuth;
import io.roam.web.Bodies;
import io.roam.web.HttpProblem;
import io.roam.web.Problems;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The agent's HTTP API, used by the grid manager only (authenticated by the grid's agent secret).
 * Handlers block (ZooKeeper, files), so they run on worker threads.
 */
public final class AgentApi {
  private final NodeId node;
  private final JobSupervisor jobs;
  private final GridStore store;
  private final Migrator migrator;
  private final Executor migrations;
  private final BearerAuth auth;
  private final BalancingService balancing;
  private CheckpointTaker checkpoints;
  private RestoreService restores;
  private ForwardingService forwarding;

  public AgentApi(
      NodeId node,
      JobSupervisor jobs,
      GridStore store,
      Migrator migrator,
      Executor migrations,
      String agentSecret,
      BalancingService balancing) {
    this.balancing = balancing;
    this.node = node;
    this.jobs = jobs;
    this.store = store;
    this.migrator = migrator;
    this.migrations = migrations;
    this.auth = BearerAuth.single(agentSecret, "manager");
  }

  /** Serves checkpoints and restores after node loss too (before {@link #router}). */
  public AgentApi withRecovery(CheckpointTaker checkpoints, RestoreService restores) {
    this.checkpoints = checkpoints;
    this.restores = restores;
    return this;
  }

  /**
   * Passes jobs that arrive here, not started, on to clearly better nodes (before {@link #router}).
   */
  public AgentApi withForwarding(ForwardingService newForwarding) {
    this.forwarding = newForwarding;
    return this;
  }

  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route(ApiPaths.AGENT + "/*").handler(auth);
    router.route().handler(BodyHandler.create().setBodyLimit(1 << 20));
    router.get(ApiPaths.AGENT_HEALTH).handler(this::health);
    router.get(ApiPaths.AGENT_LOAD).handler(ctx -> Bodies.json(ctx, 200, balancing.view()));
    router.get(ApiPaths.AGENT_LOAD_SELF).handler(ctx -> Bodies.json(ctx, 200, balancing.ownNow()));
    router.post(ApiPaths.AGENT_JOBS).blockingHandler(this::start, false);
    router.get(ApiPaths.AGENT_JOBS + "/:job/logs").blockingHandler(this::logs, false);
    router.post(ApiPaths.AGENT_JOBS + "/:job/kill").blockingHandler(this::kill, false);
    router.post(ApiPaths.AGENT_JOBS + "/:job/migrate").blockingHandler(this::migrate, false);
    if (checkpoints != null) {
      router
          .post(ApiPaths.AGENT_JOBS + "/:job/checkpoint")
          .blockingHandler(ctx -> Bodies.json(ctx, 200, checkpoints.checkpoint(jobId(ctx))), false);
      router
          .post(ApiPaths.AGENT_JOBS + "/:job/restore")
          .blockingHandler(ctx -> Bodies.json(ctx, 200, restores.restore(jobId(ctx))), false);
    }
    router
        .route()
        .last()
        .handler(ctx -> Problems.send(ctx, 404, "no such route: " + ctx.request().path()));
    router.route().failureHandler(AgentApi::failure);
    return router;
  }

  private void health(RoutingContext ctx) {
    Bodies.json(ctx, 200, Map.of("node", node.value(), "runningJobs", jobs.runningCount()));
  }

  private void start(RoutingContext ctx) {
    AgentLaunchRequest request = Bodies.read(ctx, AgentLaunchRequest.class);
    Optional<JobRecord> elsewhere =
        forwarding == null ? Optional.empty() : forwarding.forward(request);
    Bodies.json(ctx, 201, elsewhere.isPresent() ? elsewhere.get() : jobs.start(request));
  }

  private void kill(RoutingContext ctx) {
    jobs.kill(jobId(ctx));
    Bodies.json(ctx, 202, Map.of("job", jobId(ctx).value(), "killing", true));
  }

  /** Checks what can be checked at once, then migrates in the background (202). */
  private void migrate(RoutingContext ctx) {
    JobId id = jobId(ctx);
    AgentMigrateRequest request = Bodies.read(ctx, AgentMigrateRequest.class);
    if (!jobs.isRunning(id)) {
      throw new HttpProblem(404, "job " + id + " is not running on node " + node);
    }
    if (request.target().equals(node)) {
      throw new HttpProblem(409, "job " + id + " already runs on " + node);
    }
    NodeRecord target =
        store
            .node(request.target())
            .orElseThrow(() -> new HttpProblem(404, "node " + request.target() + " is not up"));
    migrations.execute(() -> migrator.migrate(id, target, request.attempt()));
    Bodies.json(ctx, 202, Map.of("job", id.value(), "attempt", request.attempt()));
  }

  private void logs(RoutingContext ctx) {
    JobId id = jobId(ctx);
    String streamName = ctx.request().getParam("stream", JobDir.STDOUT);
    long offset = Bodies.queryLong(ctx, "offset", 0, 0, Long.MAX_VALUE);
    JobDir dir =
        jobs.dir(id)
            .orElseThrow(() -> new HttpProblem(404, "job " + id + " has no files on node " + node));
    Path file = dir.stream(streamName);
    if (file == null) {
      throw new HttpProblem(400, "stream must be stdout or stderr, not '" + streamName + "'");
    }
    // Decided before reading, so a caller that sees "ended" has every byte once it reads to the
    // end.
    boolean running = jobs.isRunning(id);
    byte[] chunk = read(file, offset);
    ctx.response()
        .putHeader("Content-Type", "application/octet-stream")
        .putHeader(ApiPaths.NEXT_OFFSET_HEADER, Long.toString(offset + chunk.length))
        .putHeader(ApiPaths.JOB_STATE_HEADER, running ? "RUNNING" : "ENDED")
        .end(Buffer.buffer(chunk));
  }

  private static byte[] read(Path file, long offset) {
    if (!Files.exists(file)) {
      return new byte[0];
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long available = raf.length() - offset;
      if (available <= 0) {
        return new byte[0];
      }
      byte[] buf = new byte[(int) Math.min(available, ApiPaths.MAX_LOG_CHUNK)];
      raf.seek(offset);
      raf.readFully(buf);
      return buf;
    } catch (IOException e) {
      throw new HttpProblem(500, "cannot read " + file + ": " + e.getMessage());
    }
  }

  private static JobId jobId(RoutingContext ctx) {
    try {
      return JobId.of(ctx.pathParam("job"));
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage());
    }
  }

  private static void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof NotFoundException) {
      Problems.send(ctx, 404, failure.getMessage());
    } else if (failure instanceof JobConflictException) {
      Problems.send(ctx, 409, failure.getMessage());
    } else if (failure instanceof CheckpointTaker.CheckpointRefused) {
      Problems.send(ctx, 409, failure.getMessage());
    } else if (failure instanceof LaunchException) {
      Problems.send(ctx, 422, failure.getMessage());
    } else {
      Problems.onFailure(ctx);
    }
  }
}
