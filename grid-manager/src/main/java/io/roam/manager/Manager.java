package io.roam.manager;

import io.roam.common.zk.ZkLayout;
import io.roam.manager.agents.AgentClient;
import io.roam.manager.api.HostsApi;
import io.roam.manager.api.OperationsApi;
import io.roam.manager.api.RestApi;
import io.roam.manager.hosts.HostService;
import io.roam.manager.jobs.JobService;
import io.roam.manager.nodes.NodeLossMonitor;
import io.roam.manager.operations.OperationService;
import io.roam.manager.zk.EmbeddedZooKeeper;
import io.roam.store.CuratorGridStore;
import io.roam.store.CuratorHostStore;
import io.roam.web.BearerAuth;
import io.roam.web.HttpServers;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One grid manager: the grid's store (an ensemble, or an embedded ZooKeeper server) and the REST
 * API. {@link #start()} once, {@link #close()} once.
 */
public final class Manager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Manager.class);

  /** Migrations an operation runs at once. */
  static final int MIGRATIONS_AT_ONCE = 4;

  /**
   * @param zookeeper connect string of an ensemble; null runs an embedded server under stateDir
   * @param adminTokenHashes SHA-256 (hex) of the tokens that may use the API
   */
  public record Settings(
      String grid,
      String zookeeper,
      int embeddedZkPort,
      Path stateDir,
      String httpHost,
      int httpPort,
      Set<String> adminTokenHashes,
      String agentSecret,
      Duration sessionTimeout) {
    public Settings {
      Objects.requireNonNull(stateDir, "stateDir");
      adminTokenHashes = Set.copyOf(adminTokenHashes);
      if (adminTokenHashes.isEmpty()) {
        throw new IllegalArgumentException("at least one admin token is needed");
      }
    }
  }

  private final Settings settings;
  private EmbeddedZooKeeper embedded;
  private CuratorGridStore store;
  private Vertx vertx;
  private HttpServer server;
  private String zookeeper;
  private NodeLossMonitor nodeLoss;
  private OperationService operations;

  public Manager(Settings settings) {
    this.settings = settings;
  }

  public synchronized Manager start() throws Exception {
    try {
      zookeeper = settings.zookeeper();
      if (zookeeper == null) {
        embedded =
            EmbeddedZooKeeper.start(
                settings.stateDir().resolve("zookeeper"), settings.embeddedZkPort());
        zookeeper = embedded.connectString();
        LOG.info("embedded ZooKeeper listening at {}", zookeeper);
      }
      store =
          CuratorGridStore.connect(
              zookeeper,
              new ZkLayout(settings.grid()),
              settings.sessionTimeout(),
              Duration.ofSeconds(30));
      AgentClient agents = new AgentClient(settings.agentSecret());
      operations =
          new OperationService(
                  store,
                  agents::migrate,
                  Clock.systemUTC(),
                  "manager-"
                      + ProcessHandle.current().pid()
                      + "-"
                      + Long.toString(System.nanoTime(), 36),
                  MIGRATIONS_AT_ONCE)
              .start(Duration.ofMillis(500));
      JobService jobs =
          new JobService(
              store, agents, Clock.systemUTC(), new SecureRandom(), settings.grid(), zookeeper);
      BearerAuth auth =
          new BearerAuth(
              hash ->
                  settings.adminTokenHashes().contains(hash)
                      ? Optional.of("admin")
                      : Optional.empty());
      vertx = Vertx.vertx();
      server =
          HttpServers.listen(
              vertx,
              new RestApi(
                      jobs,
                      store,
                      auth,
                      new OperationsApi(operations),
                      new HostsApi(
                          new HostService(
                              new CuratorHostStore(store.client(), store.layout()), store)))
                  .router(vertx),
              settings.httpHost(),
              settings.httpPort());
      // Longer than a session timeout: a node that only reconnected keeps its jobs.
      nodeLoss =
          new NodeLossMonitor(store, Clock.systemUTC(), settings.sessionTimeout().multipliedBy(3))
              .start(Duration.ofSeconds(2));
      LOG.info("REST API listening at {}", url());
      return this;
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  public String url() {
    String host =
        settings.httpHost().contains(":") ? "[" + settings.httpHost() + "]" : settings.httpHost();
    return "http://" + host + ":" + server.actualPort();
  }

  public String zookeeper() {
    return zookeeper;
  }

  public CuratorGridStore store() {
    return store;
  }

  @Override
  public synchronized void close() {
    if (operations != null) {
      operations.close();
      operations = null;
    }
    if (nodeLoss != null) {
      nodeLoss.close();
      nodeLoss = null;
    }
    if (server != null) {
      server.close();
      server = null;
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
    if (embedded != null) {
      embedded.close();
      embedded = null;
    }
  }
}
