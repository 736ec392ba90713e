package io.roam.manager;

import io.roam.common.api.LocalGridInfo;
import io.roam.common.api.LocalNodeLimits;
import io.roam.common.json.Json;
import io.roam.common.model.OperationRecord;
import io.roam.manager.agents.AgentClient;
import io.roam.manager.auth.Secrets;
import io.roam.manager.local.LocalGrid;
import io.roam.web.BearerAuth;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The grid manager's command line: {@code serve} a grid, or run a whole {@code local} grid. */
@Command(
    name = "roam-manager",
    mixinStandardHelpOptions = true,
    version = "0.1.0",
    description = "Roam's grid manager: the grid's store and its REST API.",
    subcommands = {ManagerMain.Serve.class, ManagerMain.Local.class})
public final class ManagerMain {
  private ManagerMain() {}

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new ManagerMain());
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("roam-manager: error: " + e.getMessage());
          return 1;
        });
    System.exit(cli.execute(args));
  }

  /** Progress lines that `gridctl up` relays to its user. */
  static void progress(String line) {
    System.out.println("[up] " + line);
    System.out.flush();
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = "Serve a grid's REST API.")
  static final class Serve implements Callable<Integer> {
    @Option(
        names = "--zk",
        description = "ZooKeeper ensemble connect string (default: run an embedded server).")
    String zookeeper;

    @Option(
        names = "--zk-port",
        defaultValue = "2181",
        description = "Port of the embedded ZooKeeper (default: ${DEFAULT-VALUE}).")
    int zkPort;

    @Option(
        names = "--grid",
        defaultValue = "default",
        description = "Grid name (default: ${DEFAULT-VALUE}).")
    String grid;

    @Option(
        names = "--state-dir",
        required = true,
        description = "Where the manager keeps its state.")
    Path stateDir;

    @Option(
        names = "--http-host",
        defaultValue = "127.0.0.1",
        description = "Address of the REST API (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(
        names = "--http-port",
        defaultValue = "8470",
        description = "Port of the REST API (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(
        names = "--admin-token-hash-file",
        required = true,
        description = "File of SHA-256 hashes (hex, one a line) of admin tokens.")
    Path tokenHashes;

    @Option(
        names = "--agent-secret-file",
        required = true,
        description = "File holding the grid's agent secret.")
    Path agentSecret;

    @Option(
        names = "--node-loss-grace",
        defaultValue = "45",
        description = {
          "Seconds a node must be gone before its jobs restart from their checkpoints (or are"
              + " recorded LOST); at least two session timeouts (default: ${DEFAULT-VALUE})."
        })
    long nodeLossGraceSeconds;

    @Option(
        names = "--agent-timeout",
        defaultValue = "20",
        description = {
          "Seconds an agent may take to answer the manager (a launch, a migration request);"
              + " raise it for slow nodes such as guests under software emulation"
              + " (default: ${DEFAULT-VALUE})."
        })
    long agentTimeoutSeconds;

    @Option(
        names = "--parallel-moves",
        defaultValue = "" + Manager.MIGRATIONS_AT_ONCE,
        description = {
          "Migrations a detach, expel or bring runs at once when its request does not say (its"
              + " own --parallel), 1 to 64 (default: ${DEFAULT-VALUE})."
        })
    int parallelMoves;

    @Override
    public Integer call() throws Exception {
      Set<String> hashes = new HashSet<>();
      for (String line : Files.readAllLines(tokenHashes, StandardCharsets.UTF_8)) {
        String h = line.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.isEmpty() || h.startsWith("#")) {
          continue;
        }
        if (!h.matches("[0-9a-f]{64}")) {
          throw new IllegalArgumentException(
              tokenHashes + ": '" + line + "' is not a SHA-256 hash in hex (64 hex digits)");
        }
        hashes.add(h);
      }
      Manager manager =
          new Manager(
              new Manager.Settings(
                  grid,
                  zookeeper,
                  zkPort,
                  stateDir,
                  httpHost,
                  httpPort,
                  hashes,
                  Files.readString(agentSecret).trim(),
                  Duration.ofSeconds(15),
                  Duration.ofSeconds(nodeLossGraceSeconds),
                  Duration.ofSeconds(agentTimeoutSeconds),
                  parallelMoves));
      runUntilStopped(manager.start(), () -> {});
      return 0;
    }
  }

  @Command(
      name = "local",
      mixinStandardHelpOptions = true,
      description =
          "Run a whole grid on this machine: embedded ZooKeeper, this manager, local nodes.")
  static final class Local implements Callable<Integer> {
    private static final Duration LOCAL_SESSION_TIMEOUT = Duration.ofSeconds(10);

    @Option(
        names = "--state-dir",
        required = true,
        description = "The local grid's state directory.")
    Path stateDir;

    @Option(
        names = "--clusters",
        defaultValue = "2",
        description = "Number of clusters (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(
        names = "--nodes-per-cluster",
        defaultValue = "2",
        description = "Nodes in each cluster (default: ${DEFAULT-VALUE}).")
    int nodesPerCluster;

    @Option(
        names = "--http-port",
        defaultValue = "8470",
        description = "Port of the REST API on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--agent-jar", required = true, description = "The guest agent's jar.")
    Path agentJar;

    @Option(
        names = "--node-root",
        defaultValue = "/var/lib/roam/node",
        description = "Where each sandboxed node sees its own state (default: ${DEFAULT-VALUE}).")
    Path nodeRoot;

    @Option(
        names = "--grid",
        defaultValue = "default",
        description = "Grid name (default: ${DEFAULT-VALUE}).")
    String grid;

    @Option(names = "--balance", description = "Nodes move jobs to where they finish sooner.")
    boolean balance;

    @Option(
        names = "--cpu",
        paramLabel = "CORES,...",
        description =
            "Each node's CPU share for its jobs in cores, one figure per node in order c1-n1,"
                + " c1-n2, ... (cgroup cpu.max; default: no limit).")
    String cpu;

    @Option(
        names = "--unequal",
        description = "Nodes of unequal CPU shares: 0.25, 0.5, 0.25, 1 cores, repeated.")
    boolean unequal;

    @Option(
        names = "--memory-mb",
        paramLabel = "MIB[,...]",
        description = "Each node's memory for its jobs, one figure for all or one per node.")
    String memoryMb;

    @Option(
        names = "--gossip-window",
        defaultValue = "0",
        description =
            "Load entries per gossip message of every node, 1 to 48 (the agents'"
                + " --gossip-window; default: theirs).")
    int gossipWindow;

    @Option(
        names = "--parallel-moves",
        defaultValue = "" + Manager.MIGRATIONS_AT_ONCE,
        description = {
          "Migrations a detach, expel or bring runs at once when its request does not say (its"
              + " own --parallel), 1 to 64 (default: ${DEFAULT-VALUE})."
        })
    int parallelMoves;

    @Override
    public Integer call() throws Exception {
      Path state = stateDir.toAbsolutePath();
      checkParallelMoves(parallelMoves);
      LocalNodeLimits limits =
          LocalNodeLimits.parse(cpu, unequal, memoryMb, clusters * nodesPerCluster);
      boolean root = "root".equals(System.getProperty("user.name"));
      if (limits.any() && !root) {
        throw new IllegalArgumentException(
            "--cpu, --unequal and --memory-mb give each node a cgroup of its own, which needs root");
      }
      String java = ProcessHandle.current().info().command().orElse("java");
      Path secretFile = state.resolve("agent.secret");
      // Validated before anything starts.
      LocalGrid.Settings nodesSettings =
          new LocalGrid.Settings(
              state,
              clusters,
              nodesPerCluster,
              agentJar.toAbsolutePath(),
              java,
              grid,
              secretFile,
              root,
              nodeRoot,
              balance,
              limits,
              gossipWindow);
      requireFreePort(httpPort);
      Files.createDirectories(state);
      String agentSecret = Secrets.newToken();
      Secrets.writePrivate(secretFile, agentSecret);
      String adminToken = Secrets.newToken();

      progress("starting ZooKeeper and the manager");
      Manager manager =
          new Manager(
              new Manager.Settings(
                  grid,
                  null,
                  0,
                  state,
                  "127.0.0.1",
                  httpPort,
                  Set.of(BearerAuth.sha256(adminToken)),
                  agentSecret,
                  LOCAL_SESSION_TIMEOUT,
                  LOCAL_SESSION_TIMEOUT.multipliedBy(3),
                  AgentClient.DEFAULT_TIMEOUT,
                  parallelMoves));
      manager.start();
      LocalGrid nodes = new LocalGrid(nodesSettings, ManagerMain::progress);
      Path infoFile = state.resolve(LocalGridInfo.FILE_NAME);
      Runnable stop =
          () -> {
            nodes.close();
            manager.close();
            try {
              Files.deleteIfExists(infoFile);
            } catch (IOException e) {
              // nothing left to do
            }
          };
      try {
        progress(
            "starting "
                + clusters * nodesPerCluster
                + " nodes in "
                + clusters
                + " clusters"
                + (root ? " (sandboxed)" : " (not sandboxed: not root)")
                + (limits.cpus().isEmpty() ? "" : ", CPU shares " + limits.cpus() + " cores"));
        nodes.start(manager.store(), manager.zookeeper(), Duration.ofSeconds(120));
        LocalGridInfo info =
            new LocalGridInfo(
                manager.url(),
                adminToken,
                ProcessHandle.current().pid(),
                manager.zookeeper(),
                state.toString(),
                clusters,
                nodesPerCluster,
                Instant.now());
        Secrets.writePrivate(infoFile, Json.encodePretty(info));
      } catch (Exception e) {
        stop.run();
        throw e;
      }
      progress("ready");
      runUntilStopped(manager, stop);
      return 0;
    }
  }

  /** Before anything starts; Manager.Settings says the same, later. */
  static void checkParallelMoves(int n) {
    if (n < 1 || n > OperationRecord.MAX_PARALLEL) {
      throw new IllegalArgumentException(
          "--parallel-moves must be between 1 and " + OperationRecord.MAX_PARALLEL + ", not " + n);
    }
  }

  static void requireFreePort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535, not " + port);
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new IllegalStateException(
          "port "
              + port
              + " on 127.0.0.1 is in use (another grid?): stop it or choose another port");
    }
  }

  /** Blocks until the JVM is asked to stop (SIGTERM, Ctrl-C), then runs {@code stop}. */
  private static void runUntilStopped(Manager manager, Runnable stop) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.run();
                  manager.close();
                  stopped.countDown();
                },
                "manager-shutdown"));
    stopped.await();
  }
}
