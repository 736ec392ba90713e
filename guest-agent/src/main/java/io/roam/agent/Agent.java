package io.roam.agent;

import io.roam.agent.api.AgentApi;
import io.roam.agent.balance.BalancingService;
import io.roam.agent.balance.ClusterPolicyView;
import io.roam.agent.balance.ForwardingService;
import io.roam.agent.balance.HttpPeerAgents;
import io.roam.agent.balance.LocalFirstService;
import io.roam.agent.gossip.GossipConfig;
import io.roam.agent.homecoming.Backoff;
import io.roam.agent.homecoming.HomecomingReceiver;
import io.roam.agent.homecoming.HomecomingSender;
import io.roam.agent.jobs.JobSupervisor;
import io.roam.agent.launch.JobDir;
import io.roam.agent.launch.JobLauncher;
import io.roam.agent.load.Arrivals;
import io.roam.agent.load.LoadSampler;
import io.roam.agent.migration.CheckpointPort;
import io.roam.agent.migration.CheckpointTaker;
import io.roam.agent.migration.MigrationRecovery;
import io.roam.agent.migration.MigrationServer;
import io.roam.agent.migration.Migrator;
import io.roam.agent.migration.PeerAddresses;
import io.roam.agent.placement.Balancer;
import io.roam.agent.placement.ForwardConfig;
import io.roam.agent.placement.Forwarding;
import io.roam.agent.placement.GuestEviction;
import io.roam.agent.placement.PlacementConfig;
import io.roam.agent.recovery.CheckpointStore;
import io.roam.agent.recovery.Fencing;
import io.roam.agent.recovery.PeriodicCheckpoints;
import io.roam.agent.recovery.RestoreService;
import io.roam.agent.transfer.TransferWarmUp;
import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.ClusterId;
import io.roam.common.json.Json;
import io.roam.common.lifecycle.Closer;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.NodeRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.store.AlreadyRegisteredException;
import io.roam.store.CuratorClusterStore;
import io.roam.store.CuratorGridStore;
import io.roam.store.GridStore;
import io.roam.store.NodeFlagStore;
import io.roam.store.NodeRegistration;
import io.roam.web.HttpServers;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's agent: connects to the grid's ZooKeeper, serves its API, registers the node and runs
 * its jobs. {@link #start()} once, {@link #close()} once.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
  private static final int MIGRATIONS_AT_ONCE = 4;
  // Rounds of 16 MiB until one takes at most 100 ms, at least 2, at most 4: the cipher is compiled
  // before the first (SealedChannel.warmUp goes on until it is fast); with four agents starting
  // together on 2 cores a round took 76-137 ms however many ran, so more rounds buy little.
  private static final TransferWarmUp.Plan WARM_UP =
      new TransferWarmUp.Plan(16L << 20, 2, 4, java.time.Duration.ofMillis(100));
  private static final int WARM_UP_CALLS = 20;
  // A job id no grid hands out soon (ids count up from j1).
  private static final String WARM_UP_JOB = "j999999999999999999";
  private static final Duration GOSSIP_STEP = Duration.ofSeconds(1);
  // A node that does not tell its load soon is not worth waiting for: the job starts here. (Half a
  // second was too short for a node just started on a loaded machine.)
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  // Within the manager's own wait for this node (AgentClient.DEFAULT_TIMEOUT, 20 s).
  private static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(10);
  private static final int BALANCE_EVERY_STEPS = 2;
  private static final Duration FENCING_REFRESH = Duration.ofSeconds(2);
  private static final Duration PERIODIC_CHECKPOINT_TICK = Duration.ofSeconds(1);
  private static final Duration POLICY_KEPT_FOR = Duration.ofSeconds(5);
  private static final Duration LOCAL_FIRST_TICK = Duration.ofSeconds(1);
  // Local jobs wait this long for guests' cores before guests are sent away (no flapping).
  private static final Duration LOCAL_FIRST_HOLD = Duration.ofSeconds(3);

  private final AgentConfig config;
  private final JobLauncher launcher;
  private final CheckpointPort checkpoint;
  private final Clock clock;
  private final Closer closer = new Closer();

  public Agent(AgentConfig config, JobLauncher launcher, CheckpointPort checkpoint, Clock clock) {
    this.config = config;
    this.launcher = launcher;
    this.checkpoint = checkpoint;
    this.clock = clock;
  }

  private void warmUpTransfer() {
    long start = System.nanoTime();
    Path scratch = config.stateDir().resolve("warm-up");
    try {
      TransferWarmUp.Outcome warm = TransferWarmUp.run(scratch, WARM_UP, JobDir::deleteTree);
      LOG.info(
          "transfer path warmed up in {} ms: cipher {}, {} rounds of {} MiB, the last in {} ms{}",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
          warm.cipherFast() ? "fast" : "still slow",
          warm.rounds(),
          WARM_UP.bytes() >> 20,
          TimeUnit.NANOSECONDS.toMillis(warm.lastRoundNanos()),
          warm.fast() ? "" : " (over the mark: a busy or slow node)");
    } catch (IOException e) {
      LOG.warn(
          "could not warm up the transfer path (first migrations will be slower): {}",
          e.toString());
    } finally {
      JobDir.deleteTree(scratch);
    }
  }

  /**
   * Calls this agent's own API as the manager will: a fresh agent took 100 to 140 ms to answer its
   * first request (quiet machine; 300 to 500 ms under load), which a detach's first moves waited
   * for. The migrate call names a job that does not run here and this node as the target: it is
   * read, checked and refused, nothing more.
   */
  private void warmUpApi(int port) {
    String host =
        config.bind().equals("0.0.0.0") || config.bind().equals("::") ? "127.0.0.1" : config.bind();
    URI base = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
    byte[] refused = Json.encode(new AgentMigrateRequest(config.node(), "warm-up"));
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try {
      for (int i = 0; i < WARM_UP_CALLS; i++) {
        client.send(
            HttpRequest.newBuilder(base.resolve(ApiPaths.AGENT_HEALTH))
                .timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + config.secret())
                .build(),
            HttpResponse.BodyHandlers.discarding());
        client.send(
            HttpRequest.newBuilder(
                    base.resolve(ApiPaths.AGENT_JOBS + "/" + WARM_UP_JOB + "/migrate"))
                .timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + config.secret())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(refused))
                .build(),
            HttpResponse.BodyHandlers.discarding());
      }
    } catch (IOException e) {
      LOG.warn("could not warm up the API (the first calls will be slower): {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts everything, or stops what it started and throws. */
  public synchronized NodeRecord start() {
    try {
      Files.createDirectories(config.stateDir().resolve("jobs"));
      CuratorGridStore store =
          closer.register(
              CuratorGridStore.connect(
                  config.zookeeper(),
                  new ZkLayout(config.grid()),
                  config.sessionTimeout(),
                  Duration.ofSeconds(30)));
      JobSupervisor jobs =
          closer.register(
              new JobSupervisor(config.node(), config.stateDir(), launcher, store, clock));
      PeerAddresses peers =
          config.hostLoopback() == null
              ? PeerAddresses.direct()
              : PeerAddresses.hostLoopbackAt(config.hostLoopback());
      // Listening for ends before recovery: a job that ended away from home while no agent ran
      // is recorded by recovery or adoption below, and its files must go home too.
      HomecomingSender homecoming = homecomingSender(jobs, store, peers);
      // Before any new work: finish or undo the migrations a previous run died in, then take
      // back the jobs that outlived it; forgetVanished (below) records the rest as LOST.
      new MigrationRecovery(jobs, checkpoint, store, clock, config.sessionTimeout().multipliedBy(3))
          .run();
      jobs.adoptSurvivors();
      // Flags outlive this agent; a watch keeps the current ones at hand.
      NodeFlagStore flags = closer.register(new NodeFlagStore(store.client(), store.layout()));
      flags.start();
      MigrationServer migrations =
          new MigrationServer(
              config.cluster(),
              jobs,
              checkpoint,
              store,
              config.secret(),
              config.maxMigrationBytes(),
              MIGRATIONS_AT_ONCE,
              config.transferTimeout(),
              policyOf(store),
              flags::flags);
      closer.register(migrations);
      // A transfer's length has no bound but its no-progress timeout: a place reserved for a
      // guest on its way counts this long (a failed arrival gives it back at once).
      migrations.countingGuestsIn(
          new io.roam.agent.migration.GuestLedger(
              config.cluster(),
              store,
              new io.roam.store.CuratorGuestStore(store.client(), store.layout()),
              java.time.Clock.systemUTC(),
              java.time.Duration.ofMinutes(10)));
      startHomecoming(jobs, store, migrations, homecoming);
      CheckpointStore kept = new CheckpointStore(config.stateDir());
      migrations.keepingCheckpointsIn(kept);
      int migrationPort = migrations.start(config.bind(), config.migrationPort());
      Fencing fencing =
          closer
              .register(new Fencing(jobs, store, config.sessionTimeout()))
              .start(store.client(), FENCING_REFRESH);
      migrations.onArrival(fencing::arrived);
      CheckpointTaker checkpoints =
          new CheckpointTaker(
              jobs,
              checkpoint,
              store,
              kept,
              config.secret(),
              clock,
              config.transferTimeout(),
              fencing::keptElsewhere);
      checkpoints.reachingPeersThrough(peers);
      RestoreService restores = new RestoreService(jobs, checkpoint, store, kept, clock);
      closer
          .register(new PeriodicCheckpoints(jobs, store, checkpoints::checkpoint, clock))
          .sweeping(kept)
          .start(PERIODIC_CHECKPOINT_TICK);
      ExecutorService outgoing =
          Executors.newFixedThreadPool(MIGRATIONS_AT_ONCE, DaemonThreads.named("migration-out"));
      closer.register(outgoing::shutdownNow);
      Migrator migrator =
          new Migrator(
              jobs, checkpoint, store, config.secret(), clock, config.transferTimeout(), peers);
      // The owners' policies, read for the balancer (partner priority, blocks) and local-first.
      ClusterPolicyView policies =
          new ClusterPolicyView(store, policyOf(store), clock, POLICY_KEPT_FOR);
      BalancingService balancing =
          new BalancingService(
              config.node(),
              config.speed(),
              config.grid(),
              jobs,
              migrator,
              store,
              LoadSampler.system(config.jobsCgroups()),
              new Balancer(PlacementConfig.defaults(), policies, clock, new SecureRandom()),
              clock,
              new SecureRandom(),
              GOSSIP_STEP,
              BALANCE_EVERY_STEPS,
              config.balance(),
              flags,
              GossipConfig.defaults().withWindow(config.gossipWindow()));
      closer.register(balancing);
      // Migrations accepted and not running yet count in the load this node reports, and the
      // target of a balancing move consents with them.
      Arrivals arrivals = new Arrivals();
      balancing.countingArrivals(arrivals);
      migrations.consentingWith(arrivals, balancing::consent);
      // Gossip is UDP on the migration port's number.
      balancing.start(config.bind(), migrationPort);
      LocalFirstService localFirst =
          closer.register(
              new LocalFirstService(
                      config.node(),
                      config.cluster(),
                      config.cores(),
                      jobs,
                      LoadSampler.system(config.jobsCgroups()),
                      migrator,
                      policies,
                      flags,
                      id -> loadOf(balancing, id),
                      new GuestEviction(LOCAL_FIRST_HOLD, clock),
                      clock,
                      new SecureRandom())
                  .start(LOCAL_FIRST_TICK));
      migrations.refusingGuestsWhile(localFirst::refusal);
      ExecutorService probes =
          Executors.newFixedThreadPool(4, DaemonThreads.named("forward-probe"));
      closer.register(probes::shutdownNow);
      Vertx vertx = Vertx.vertx();
      closer.register(
          () -> vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
      HttpServer server =
          HttpServers.listen(
              vertx,
              new AgentApi(
                      config.node(), jobs, store, migrator, outgoing, config.secret(), balancing)
                  .withRecovery(checkpoints, restores)
                  .withForwarding(
                      new ForwardingService(
                          config.node(),
                          config.cluster(),
                          store,
                          balancing,
                          new Forwarding(
                              PlacementConfig.defaults(),
                              ForwardConfig.defaults(),
                              policies,
                              new SecureRandom()),
                          new HttpPeerAgents(config.secret(), PROBE_TIMEOUT, LAUNCH_TIMEOUT),
                          probes,
                          clock,
                          GOSSIP_STEP.multipliedBy(3)))
                  .router(vertx),
              config.bind(),
              config.port());
      closer.register(server::close);
      // Before the node is announced, so that no migration waits for the JIT while frozen, and
      // the manager's first call here does not wait for a cold server.
      warmUpTransfer();
      warmUpApi(server.actualPort());
      NodeRecord node =
          new NodeRecord(
              config.node(),
              config.cluster(),
              config.advertise(),
              config.advertisePort() > 0 ? config.advertisePort() : server.actualPort(),
              config.cores(),
              config.memoryBytes(),
              config.speed(),
              config.sandboxed(),
              AgentMain.VERSION,
              clock.instant(),
              config.advertiseMigrationPort() > 0
                  ? config.advertiseMigrationPort()
                  : migrationPort);
      jobs.forgetVanished();
      closer.register(register(store, node));
      LOG.info("node {} of cluster {} is up at {}", node.id(), node.cluster(), node.agentUrl());
      return node;
    } catch (IOException | RuntimeException e) {
      close();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Sends the files of jobs that end away from home to their home node (homecoming). */
  private HomecomingSender homecomingSender(
      JobSupervisor jobs, GridStore store, PeerAddresses peers) {
    HomecomingSender sender =
        closer.register(
            new HomecomingSender(
                jobs,
                store,
                config.secret(),
                config.maxMigrationBytes(),
                config.transferTimeout(),
                Backoff.DEFAULT,
                new SecureRandom()));
    sender.reachingPeersThrough(peers);
    jobs.onEnd(sender::ended);
    return sender;
  }

  /** Receives the files of this node's jobs that ended elsewhere; resumes returns left pending. */
  private void startHomecoming(
      JobSupervisor jobs, GridStore store, MigrationServer migrations, HomecomingSender sender) {
    migrations.share(
        HomecomingReceiver.magic(),
        new HomecomingReceiver(
            jobs,
            store,
            config.secret(),
            config.maxMigrationBytes(),
            MIGRATIONS_AT_ONCE,
            config.transferTimeout(),
            clock));
    sender.resumePending();
  }

  /**
   * Registers the node. A registration left by this node's previous run lives on until its session
   * expires, so a refusal is retried for a few session timeouts before it counts.
   */
  /** A node's load as this node last heard it by gossip; 0 when it has not heard. */
  private static double loadOf(BalancingService balancing, io.roam.common.id.NodeId id) {
    return balancing.view().stream()
        .filter(e -> e.node().equals(id))
        .mapToDouble(e -> e.runnable())
        .findFirst()
        .orElse(0);
  }

  /** The owner's policy of a cluster (defaults until the owner sets one). */
  private static java.util.function.Function<ClusterId, ClusterPolicy> policyOf(
      CuratorGridStore store) {
    CuratorClusterStore clusters = new CuratorClusterStore(store.client(), store.layout());
    return id -> clusters.policy(id).map(v -> v.value()).orElse(ClusterPolicy.defaults());
  }

  private NodeRegistration register(GridStore store, NodeRecord node) {
    long deadline = System.nanoTime() + config.sessionTimeout().multipliedBy(3).toNanos();
    while (true) {
      try {
        return store.registerNode(node);
      } catch (AlreadyRegisteredException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info(
            "node {} is still registered by an earlier run; waiting for it to expire", node.id());
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  @Override
  public synchronized void close() {
    closer.close();
    closer.failures().forEach(e -> LOG.debug("closing the agent: {}", e.toString()));
  }
}
