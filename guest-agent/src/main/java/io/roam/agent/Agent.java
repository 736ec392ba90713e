package io.roam.agent;

import io.roam.agent.api.AgentApi;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobLauncher;
import io.roam.common.model.NodeRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import io.roam.store.GridStore;
import io.roam.store.NodeRegistration;
import io.roam.web.HttpServers;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's agent: connects to the grid's ZooKeeper, serves its API, registers the node and runs
 * its jobs. {@link #start()} once, {@link #close()} once.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final JobLauncher launcher;
  private final Clock clock;
  private GridStore store;
  private Vertx vertx;
  private HttpServer server;
  private JobSupervisor jobs;
  private NodeRegistration registration;

  public Agent(AgentConfig config, JobLauncher launcher, Clock clock) {
    this.config = config;
    this.launcher = launcher;
    this.clock = clock;
  }

  /** Starts everything, or stops what it started and throws. */
  public synchronized NodeRecord start() {
    try {
      Files.createDirectories(config.stateDir().resolve("jobs"));
      store =
          CuratorGridStore.connect(
              config.zookeeper(),
              new ZkLayout(config.grid()),
              config.sessionTimeout(),
              Duration.ofSeconds(30));
      jobs = new JobSupervisor(config.node(), config.stateDir(), launcher, store, clock);
      vertx = Vertx.vertx();
      server =
          HttpServers.listen(
              vertx,
              new AgentApi(config.node(), jobs, config.secret()).router(vertx),
              config.bind(),
              config.port());
      NodeRecord node =
          new NodeRecord(
              config.node(),
              config.cluster(),
              config.advertise(),
              server.actualPort(),
              config.cores(),
              config.memoryBytes(),
              config.speed(),
              config.sandboxed(),
              AgentMain.VERSION,
              clock.instant());
      registration = store.registerNode(node);
      LOG.info("node {} of cluster {} is up at {}", node.id(), node.cluster(), node.agentUrl());
      return node;
    } catch (IOException | RuntimeException e) {
      close();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (registration != null) {
      registration.close();
      registration = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
    if (jobs != null) {
      jobs.close();
      jobs = null;
    }
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("closing vert.x: {}", e.toString());
      }
      vertx = null;
    }
    if (store != null) {
      store.close();
      store = null;
    }
  }
}
