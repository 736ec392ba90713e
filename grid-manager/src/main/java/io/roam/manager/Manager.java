package io.roam.manager;

import io.roam.common.lifecycle.Closer;
import io.roam.common.model.JobRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.manager.agents.AgentClient;
import io.roam.manager.api.ClusterService;
import io.roam.manager.api.HostsApi;
import io.roam.manager.api.NodeControlApi;
import io.roam.manager.api.OperationsApi;
import io.roam.manager.api.RestApi;
import io.roam.manager.auth.TokenService;
import io.roam.manager.console.Console;
import io.roam.manager.hosts.HostService;
import io.roam.manager.jobs.JobService;
import io.roam.manager.nodes.NodeLossMonitor;
import io.roam.manager.operations.OperationService;
import io.roam.manager.view.EventLog;
import io.roam.manager.view.GridView;
import io.roam.manager.view.ViewBackedStore;
import io.roam.manager.zk.EmbeddedZooKeeper;
import io.roam.store.CuratorClusterStore;
import io.roam.store.CuratorGridStore;
import io.roam.store.CuratorHostStore;
import io.roam.store.CuratorTokenStore;
import io.roam.store.NodeFlagStore;
import io.roam.web.HttpServers;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
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

  /** Migrations an operation runs at once unless its request says otherwise. */
  public static final int MIGRATIONS_AT_ONCE = 4;

  /**
   * @param zookeeper connect string of an ensemble; null runs an embedded server under stateDir
   * @param adminTokenHashes SHA-256 (hex) of the bootstrap admin tokens, seeded into the store at
   *     start (replacing those of an earlier start); more tokens are made through the API
   * @param parallelMoves migrations an operation runs at once unless its request says otherwise
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
      Duration sessionTimeout,
      Duration nodeLossGrace,
      Duration agentTimeout,
      int parallelMoves) {
    /**
     * Settings with the defaults: a node loss grace of three session timeouts, agents answering
     * within {@link AgentClient#DEFAULT_TIMEOUT}, {@link #MIGRATIONS_AT_ONCE} migrations at once.
     */
    public Settings(
        String grid,
        String zookeeper,
        int embeddedZkPort,
        Path stateDir,
        String httpHost,
        int httpPort,
        Set<String> adminTokenHashes,
        String agentSecret,
        Duration sessionTimeout) {
      this(
          grid,
          zookeeper,
          embeddedZkPort,
          stateDir,
          httpHost,
          httpPort,
          adminTokenHashes,
          agentSecret,
          sessionTimeout,
          sessionTimeout.multipliedBy(3),
          AgentClient.DEFAULT_TIMEOUT,
          MIGRATIONS_AT_ONCE);
    }

    public Settings {
      Objects.requireNonNull(stateDir, "stateDir");
      if (agentTimeout == null || agentTimeout.toMillis() < 1000) {
        throw new IllegalArgumentException(
            "the agent timeout must be at least 1 s, not " + agentTimeout);
      }
      // Agents fence their jobs about 1.7 session timeouts after losing touch (see
      // docs/design/checkpoint.md): a shorter grace could restart a job that still runs.
      if (nodeLossGrace.compareTo(sessionTimeout.multipliedBy(2)) < 0) {
        throw new IllegalArgumentException(
            "the node loss grace ("
                + nodeLossGrace.toSeconds()
                + " s) must be at least two session timeouts ("
                + sessionTimeout.multipliedBy(2).toSeconds()
                + " s)");
      }
      if (parallelMoves < 1 || parallelMoves > OperationRecord.MAX_PARALLEL) {
        throw new IllegalArgumentException(
            "the parallel moves must be between 1 and "
                + OperationRecord.MAX_PARALLEL
                + ", not "
                + parallelMoves);
      }
      adminTokenHashes = Set.copyOf(adminTokenHashes);
      if (adminTokenHashes.isEmpty()) {
        throw new IllegalArgumentException("at least one admin token is needed");
      }
    }
  }

  private final Settings settings;
  private CuratorGridStore store;
  private GridView view;
  private Router router;
  private HttpServer server;
  private String zookeeper;
  private final Closer closer = new Closer();

  public Manager(Settings settings) {
    this.settings = settings;
  }

  public synchronized Manager start() throws Exception {
    try {
      zookeeper = settings.zookeeper();
      if (zookeeper == null) {
        EmbeddedZooKeeper embedded =
            closer.register(
                EmbeddedZooKeeper.start(
                    settings.stateDir().resolve("zookeeper"), settings.embeddedZkPort()));
        zookeeper = embedded.connectString();
        LOG.info("embedded ZooKeeper listening at {}", zookeeper);
      }
      store =
          closer.register(
              CuratorGridStore.connect(
                  zookeeper,
                  new ZkLayout(settings.grid()),
                  settings.sessionTimeout(),
                  Duration.ofSeconds(30)));
      Clock clock = Clock.systemUTC();
      ZkLayout layout = new ZkLayout(settings.grid());
      CuratorTokenStore tokenStore = new CuratorTokenStore(store.client(), layout);
      TokenService.seedAdmins(tokenStore, settings.adminTokenHashes(), clock);
      view = closer.register(new GridView(store.client(), layout));
      // Listening before the view starts: the log holds every event this manager numbers.
      EventLog events = new EventLog(EventLog.epochAt(clock.millis()), EventLog.CAPACITY);
      view.listen(events);
      view.start(Duration.ofSeconds(60));
      AgentClient agents = new AgentClient(settings.agentSecret(), settings.agentTimeout());
      // Listings from the read model: the store would be every job znode read again each pass.
      ViewBackedStore viewStore = new ViewBackedStore(store, view);
      OperationService operations =
          closer.register(
              new OperationService(
                      store,
                      agents::migrate,
                      clock,
                      "manager-"
                          + ProcessHandle.current().pid()
                          + "-"
                          + Long.toString(System.nanoTime(), 36),
                      settings.parallelMoves())
                  .readingFrom(viewStore, view::runningOperations, c -> view.policy(c).value()));
      // A move that ends frees its operation's slot: the next one starts without waiting; a new
      // operation starts as soon as the view shows it.
      view.listen(
          e -> {
            if (e.value() instanceof JobRecord job) {
              operations.jobChanged(job);
            } else if ("operation.created".equals(e.type())) {
              operations.nudge();
            }
          });
      operations.start(Duration.ofMillis(500));
      // Longer than a session timeout: a node that only reconnected keeps its jobs.
      closer
          .register(
              new NodeLossMonitor(
                  viewStore,
                  agents::restore,
                  clock,
                  settings.nodeLossGrace(),
                  settings.sessionTimeout().multipliedBy(2)))
          .start(Duration.ofSeconds(2));
      JobService jobs =
          new JobService(viewStore, agents, clock, new SecureRandom(), settings.grid(), zookeeper);
      NodeFlagStore nodeFlags = closer.register(new NodeFlagStore(store.client(), layout)).start();
      RestApi api =
          new RestApi(
              jobs,
              view,
              new ClusterService(new CuratorClusterStore(store.client(), layout), view, clock),
              new TokenService(tokenStore, view, clock),
              new OperationsApi(operations, store),
              new HostsApi(
                  new HostService(new CuratorHostStore(store.client(), layout), store), store),
              new NodeControlApi(nodeFlags, view, clock, operations),
              settings.grid(),
              zookeeper,
              events);
      Vertx vertx = Vertx.vertx();
      closer.register(
          () -> vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
      router = api.router(vertx);
      Console.mount(router);
      server = HttpServers.listen(vertx, router, settings.httpHost(), settings.httpPort());
      closer.register(server::close);
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

  /** The HTTP routes this manager serves (for tests that walk them). */
  public Router router() {
    return router;
  }

  public GridView view() {
    return view;
  }

  public CuratorGridStore store() {
    return store;
  }

  @Override
  public synchronized void close() {
    closer.close();
    closer.failures().forEach(e -> LOG.debug("closing the manager: {}", e.toString()));
  }
}
