package io.roam.gridctl;

import com.fasterxml.jackson.core.type.TypeReference;
import io.roam.common.api.ApiPaths;
import io.roam.common.api.ClusterView;
import io.roam.common.api.GridStatus;
import io.roam.common.api.LocalGridInfo;
import io.roam.common.api.LocalNodeLimits;
import io.roam.common.api.MigrateRequest;
import io.roam.common.api.MigrationAccepted;
import io.roam.common.api.NodeSummary;
import io.roam.common.api.Page;
import io.roam.common.api.RunJobRequest;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.OperationRecord;
import io.roam.common.placement.GossipWindow;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import io.roam.gridctl.local.LocalGridControl;
import io.roam.gridctl.output.Table;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** gridctl's subcommands. Each prints for people, or JSON with --json. */
final class Commands {
  private Commands() {}

  static final PrintStream OUT = System.out;
  static final PrintStream ERR = System.err;

  static void json(Object value) {
    OUT.println(Json.encodePretty(value));
  }

  static JobId jobId(String raw) {
    try {
      return JobId.of(raw);
    } catch (IllegalArgumentException e) {
      throw new GridCtlException(e.getMessage());
    }
  }

  static JobRecord job(ApiClient api, JobId id) {
    return api.get(ApiPaths.job(id.value()), JobRecord.class);
  }

  /** Waits for a job to end; null if {@code timeout} passed first. */
  static JobRecord awaitEnd(ApiClient api, JobId id, Duration timeout) throws InterruptedException {
    long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    long pause = 100;
    while (true) {
      JobRecord job = job(api, id);
      if (job.state().terminal()) {
        return job;
      }
      if (System.nanoTime() > deadline) {
        return null;
      }
      Thread.sleep(pause);
      pause = Math.min(1000, pause * 2);
    }
  }

  /** The exit code gridctl leaves with for an ended job, with a word on stderr if not EXITED. */
  static int exitCodeOf(JobRecord job) {
    return switch (job.state()) {
      case EXITED -> job.exitCode();
      case KILLED -> {
        ERR.println("gridctl: job " + job.id() + " was killed" + reason(job));
        yield 137;
      }
      default -> {
        ERR.println("gridctl: job " + job.id() + " " + job.state() + reason(job));
        yield 1;
      }
    };
  }

  private static String reason(JobRecord job) {
    return job.reason() == null ? "" : ": " + job.reason();
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description = {
        "Start a local grid on this machine; return once it is ready.",
        "",
        "It runs an embedded ZooKeeper, a manager with its REST API, and clusters of local nodes",
        "(as root, each node in its own mount namespace with a private state directory and its",
        "own 127.0.x.y address). 'gridctl down' stops it."
      })
  static final class Up implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(
        names = "--clusters",
        defaultValue = "2",
        description = "Clusters (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(
        names = "--nodes-per-cluster",
        defaultValue = "2",
        description = "Nodes per cluster (default: ${DEFAULT-VALUE}).")
    int nodesPerCluster;

    @Option(
        names = "--port",
        defaultValue = "8470",
        description = "REST API port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
        names = "--timeout",
        defaultValue = "180",
        description = "Seconds to wait for the grid (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--foreground", description = "Stay attached; Ctrl-C stops the grid.")
    boolean foreground;

    @Option(
        names = "--balance",
        description = "Nodes move jobs by themselves to where they finish sooner (load balancing).")
    boolean balance;

    @Option(
        names = "--cpu",
        paramLabel = "CORES,...",
        description =
            "Give each node a CPU share for its jobs, in cores, one figure per node in order"
                + " c1-n1, c1-n2, ..., c2-n1, ... (e.g. --cpu 0.5,1,1,2): each node gets a cgroup"
                + " whose cpu.max makes it that fast, and its speed says so. Needs root."
                + " Default: no limits.")
    String cpu;

    @Option(
        names = "--unequal",
        description =
            "Nodes of unequal speed: CPU shares of 0.25, 0.5, 0.25 and 1 cores, repeated.")
    boolean unequal;

    @Option(
        names = "--memory-mb",
        paramLabel = "MIB[,...]",
        description =
            "Memory for each node's jobs (cgroup limit): one figure for all, or one per node.")
    String memoryMb;

    @Option(
        names = "--parallel-moves",
        paramLabel = "N",
        defaultValue = "4",
        description =
            "Migrations a cluster detach, node expel or bring runs at once when its request does"
                + " not say (its own --parallel), 1 to 64 (the manager's --parallel-moves;"
                + " default: ${DEFAULT-VALUE}).")
    int parallelMoves;

    @Option(
        names = "--gossip-window",
        paramLabel = "W",
        description =
            "Load entries each node sends per gossip message (its own and the freshest it knows),"
                + " 1 to 48; fewer make the load information older, about (N-1)/W steps on N"
                + " nodes (the agents' --gossip-window; default: theirs, 20).")
    Integer gossipWindow;

    @Option(names = "--json", description = "Print the grid's details as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      if (clusters < 1 || nodesPerCluster < 1) {
        throw new GridCtlException("--clusters and --nodes-per-cluster must be at least 1");
      }
      checkParallelMoves(parallelMoves);
      if (gossipWindow != null) {
        checkGossipWindow(gossipWindow);
      }
      LocalNodeLimits limits;
      try {
        limits = LocalNodeLimits.parse(cpu, unequal, memoryMb, clusters * nodesPerCluster);
      } catch (IllegalArgumentException e) {
        throw new GridCtlException(e.getMessage());
      }
      if (port < 1 || port > 65535) {
        throw new GridCtlException("--port must be between 1 and 65535, not " + port);
      }
      LocalGridControl local = grid.local();
      LocalGridInfo info =
          local.up(
              clusters,
              nodesPerCluster,
              port,
              balance,
              limits,
              parallelMoves,
              gossipWindow == null ? 0 : gossipWindow,
              Duration.ofSeconds(timeoutSeconds));
      if (json) {
        json(info);
      } else {
        OUT.printf(
            "Local grid up: %d clusters x %d nodes.%n  REST API:  %s%n  ZooKeeper: %s%n"
                + "  Admin token: %s (kept in %s/%s; gridctl reads it from there)%n"
                + "Try: gridctl node list; gridctl run -- sh -c 'echo hello'; gridctl down%n",
            info.clusters(),
            info.nodesPerCluster(),
            info.api(),
            info.zookeeper(),
            info.token(),
            info.stateDir(),
            LocalGridInfo.FILE_NAME);
      }
      if (foreground) {
        // Ctrl-C here stops the grid too.
        Thread stopper =
            new Thread(
                () ->
                    ProcessHandle.of(info.pid())
                        .ifPresent(p -> local.stop(p, Duration.ofSeconds(60))));
        Runtime.getRuntime().addShutdownHook(stopper);
        local.awaitExit(info.pid());
      }
      return 0;
    }

    /** Fails, saying why, unless the agents would accept {@code w} as their --gossip-window. */
    static void checkGossipWindow(int w) {
      if (w < 1 || w > GossipWindow.MAX) {
        throw new GridCtlException(
            "--gossip-window must be between 1 and " + GossipWindow.MAX + ", not " + w);
      }
    }

    /** Fails, saying why, unless the manager would accept {@code n} as its --parallel-moves. */
    static void checkParallelMoves(int n) {
      if (n < 1 || n > OperationRecord.MAX_PARALLEL) {
        throw new GridCtlException(
            "--parallel-moves must be between 1 and "
                + OperationRecord.MAX_PARALLEL
                + ", not "
                + n);
      }
    }
  }

  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = "Stop the local grid, its nodes and their jobs.")
  static final class Down implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Override
    public Integer call() throws Exception {
      if (!grid.local().down(Duration.ofSeconds(60))) {
        throw new GridCtlException(
            "no local grid is running (state directory " + grid.stateDir() + ")");
      }
      OUT.println("Local grid stopped.");
      return 0;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Summarise the grid: clusters, nodes, jobs by state.")
  static final class Status implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      ApiClient api = grid.client();
      GridStatus status = api.get(ApiPaths.STATUS, GridStatus.class);
      if (json) {
        json(status);
        return 0;
      }
      OUT.printf("Grid '%s' at %s (ZooKeeper %s)%n", status.grid(), api.base(), status.zookeeper());
      OUT.printf("  clusters: %d   nodes up: %d%n", status.clusters(), status.nodes());
      StringBuilder jobs = new StringBuilder("  jobs:");
      for (JobState s : JobState.values()) {
        jobs.append(' ')
            .append(s.name().toLowerCase(java.util.Locale.ROOT))
            .append('=')
            .append(status.jobs().getOrDefault(s, 0));
      }
      OUT.println(jobs);
      return 0;
    }
  }

  @Command(
      name = "node",
      mixinStandardHelpOptions = true,
      description = "Look at the grid's nodes, set their flags, expel guests or bring jobs home.",
      subcommands = {
        NodeList.class,
        MonCommands.NodeLoad.class,
        NodeCommands.Stay.class,
        NodeCommands.NoStay.class,
        NodeCommands.Block.class,
        NodeCommands.Unblock.class,
        NodeCommands.Expel.class,
        NodeCommands.Bring.class
      })
  static final class NodeCmd {}

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the live nodes.")
  static final class NodeList implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(names = "--cluster", description = "Only this cluster's nodes.")
    String cluster;

    @Override
    public Integer call() {
      ApiClient api = grid.client();
      List<NodeSummary> nodes = api.get(ApiPaths.NODES, new TypeReference<List<NodeSummary>>() {});
      if (cluster != null) {
        List<String> known =
            api.get(ApiPaths.CLUSTERS, new TypeReference<List<ClusterView>>() {}).stream()
                .map(c -> c.id().value())
                .toList();
        if (!known.contains(cluster)) {
          throw new GridCtlException("unknown cluster '" + cluster + "': clusters are " + known);
        }
        nodes = nodes.stream().filter(n -> n.cluster().value().equals(cluster)).toList();
      }
      if (json) {
        json(nodes);
        return 0;
      }
      Table table =
          new Table(
              "NODE", "CLUSTER", "ADDRESS", "CORES", "MEMORY", "SPEED", "JOBS", "SANDBOX", "FLAGS");
      for (NodeSummary n : nodes) {
        table.row(
            n.id(),
            n.cluster(),
            n.address() + ":" + n.port(),
            n.cores(),
            Table.bytes(n.memoryBytes()),
            n.speed(),
            n.runningJobs(),
            n.sandboxed() ? "yes" : "no",
            flags(n));
      }
      table.print(OUT);
      return 0;
    }
  }

  /** A node's flags in a word or two: "stay", "block", "stay,block" or "-". */
  static String flags(NodeSummary n) {
    String f =
        (Boolean.TRUE.equals(n.stay()) ? "stay," : "")
            + (Boolean.TRUE.equals(n.block()) ? "block," : "");
    return f.isEmpty() ? "-" : f.substring(0, f.length() - 1);
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = {
        "Start a program on the grid and print its job id.",
        "",
        "The program runs unmodified, in a directory of its own on the node; its output is kept",
        "for 'gridctl logs'. Example: gridctl run -- sh -c 'echo hello; sleep 1; echo bye'"
      })
  static final class Run implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--node", description = "Start it on this node (default: the least loaded).")
    String node;

    @Option(names = "--wait", description = "Wait for it to end and exit with its exit code.")
    boolean await;

    @Option(
        names = "--lock",
        description =
            "Start it locked: load balancing never moves it (explicit migrate, cluster detach"
                + " and node expel still do). Unlock with 'gridctl migrate JOB unlock'.")
    boolean lock;

    @Option(names = "--json", description = "Print the job's record as JSON.")
    boolean json;

    @Option(
        names = "--checkpoint-every",
        paramLabel = "DURATION",
        description =
            "Checkpoint it this often while it runs (e.g. 30s, 5m, 1h; at least 5s). If its"
                + " node is lost, it restarts from its latest checkpoint on its home node.")
    String checkpointEvery;

    @Parameters(
        arity = "1..*",
        paramLabel = "CMD",
        description = "The program and its arguments (put -- before them).")
    List<String> command;

    @Override
    public Integer call() throws Exception {
      NodeId target = null;
      if (node != null) {
        try {
          target = NodeId.of(node);
        } catch (IllegalArgumentException e) {
          throw new GridCtlException(e.getMessage());
        }
      }
      RunJobRequest request;
      try {
        request =
            new RunJobRequest(
                command,
                target,
                lock ? Boolean.TRUE : null,
                checkpointEvery == null ? null : CheckpointCommands.seconds(checkpointEvery));
      } catch (IllegalArgumentException e) {
        throw new GridCtlException(e.getMessage());
      }
      ApiClient api = grid.client();
      JobRecord job = api.post(ApiPaths.JOBS, request, JobRecord.class);
      if (json) {
        json(job);
      } else {
        OUT.println(job.id());
      }
      if (await) {
        OUT.flush();
        return exitCodeOf(awaitEnd(api, job.id(), Duration.ZERO));
      }
      return 0;
    }
  }

  @Command(
      name = "ps",
      mixinStandardHelpOptions = true,
      description = "List the grid's jobs: where each runs, its home, its state.")
  static final class Ps implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(names = "--state", description = "Only jobs in this state (${COMPLETION-CANDIDATES}).")
    JobState state;

    @Option(names = "--node", description = "Only jobs on this node.")
    String node;

    @Option(
        names = "--limit",
        defaultValue = "1000",
        description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("state", state);
      q.put("node", node);
      q.put("limit", limit);
      Page<JobRecord> page =
          grid.client()
              .get(ApiPaths.JOBS + ApiClient.query(q), new TypeReference<Page<JobRecord>>() {});
      if (json) {
        json(page);
        return 0;
      }
      Table table =
          new Table(
              "JOB", "STATE", "NODE", "HOME", "MIGR", "EXIT", "STARTED", "MOVABLE", "COMMAND");
      for (JobRecord j : page.items()) {
        table.row(
            j.id(),
            j.state(),
            j.node(),
            // A job passed on before it started: its home is where it did start.
            j.forwardedFrom() == null ? j.home() : j.home() + " (from " + j.forwardedFrom() + ")",
            j.migrations(),
            j.exitCode(),
            j.startedAt() == null ? null : ago(j.startedAt()),
            movable(j),
            abbreviate(String.join(" ", j.command())));
      }
      table.print(OUT);
      if (page.total() > page.items().size()) {
        OUT.printf(
            "(%d of %d jobs shown; use --limit or filters)%n", page.items().size(), page.total());
      }
      return 0;
    }

    /**
     * What the last attempt taught: "yes", "no: why", or "?" before any attempt; "locked" first
     * when balancing may not move it.
     */
    private static String movable(JobRecord j) {
      if (j.state().terminal()) {
        return "-";
      }
      String what = movableByMigration(j);
      return j.locked() ? "locked (" + what + ")" : what;
    }

    private static String movableByMigration(JobRecord j) {
      MigrationOutcome last = j.lastMigration();
      if (last == null) {
        return "?";
      }
      if (last.succeeded()) {
        return "yes";
      }
      return last.reason().startsWith("cannot checkpoint")
          ? "no: " + shorten(last.reason().substring(19), 40)
          : "yes (last try: failed)";
    }

    private static String ago(Instant t) {
      long s = Duration.between(t, Instant.now()).toSeconds();
      return s < 120 ? s + "s ago" : s < 7200 ? s / 60 + "m ago" : s / 3600 + "h ago";
    }

    private static String shorten(String s, int max) {
      return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    private static String abbreviate(String s) {
      return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
  }

  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = "Print a job's output (stdout, or stderr with --stderr).")
  static final class Logs implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "JOB", description = "The job id, e.g. j1.")
    String job;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing output as it comes, until the job ends.")
    boolean follow;

    @Option(names = "--stderr", description = "Its standard error instead.")
    boolean stderr;

    @Override
    public Integer call() throws Exception {
      JobId id = jobId(job);
      ApiClient api = grid.client();
      String stream = stderr ? "stderr" : "stdout";
      long offset = 0;
      while (true) {
        ApiClient.Response chunk =
            api.getRaw(
                ApiPaths.jobLogs(id.value())
                    + ApiClient.query(Map.of("stream", stream, "offset", offset)));
        OUT.write(chunk.body());
        OUT.flush();
        offset = Long.parseLong(chunk.header(ApiPaths.NEXT_OFFSET_HEADER));
        if (chunk.body().length > 0) {
          continue;
        }
        boolean ended = JobState.valueOf(chunk.header(ApiPaths.JOB_STATE_HEADER)).terminal();
        if (!follow || ended) {
          return 0;
        }
        Thread.sleep(200);
      }
    }
  }

  @Command(
      name = "migrate",
      mixinStandardHelpOptions = true,
      description = {
        "Move a running job to another node (or back home) while it runs; or lock it in place.",
        "",
        "TARGET 'lock' locks the job: load balancing never moves it (an explicit",
        "migrate, a cluster detach or a node expel still do, so that nothing is",
        "stranded); 'unlock' undoes that. 'gridctl ps' shows locked jobs as MOVABLE",
        "'locked'.",
        "",
        "Asynchronous: it returns once the job's node has taken the request; with --wait it",
        "prints the outcome (freeze time, total time, bytes moved) or why the job stays."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:moved (or, without --wait, accepted)",
        "1:refused, or failed: the job runs on where it was"
      })
  static final class Migrate implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(index = "0", paramLabel = "JOB", description = "The job id.")
    String job;

    @Parameters(
        index = "1",
        paramLabel = "TARGET",
        description = "A node id, or 'home'; or 'lock' / 'unlock'.")
    String target;

    @Option(names = "--wait", description = "Wait for the outcome and print it.")
    boolean await;

    @Option(
        names = "--timeout",
        defaultValue = "600",
        description = "Seconds to wait with --wait (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      JobId id = jobId(job);
      ApiClient api = grid.client();
      if (target.equals("lock") || target.equals("unlock")) {
        boolean lock = target.equals("lock");
        JobRecord after =
            api.post(
                lock ? ApiPaths.jobLock(id.value()) : ApiPaths.jobUnlock(id.value()),
                null,
                JobRecord.class);
        if (json) {
          json(after);
        } else {
          OUT.printf(
              "Job %s is %s.%n",
              id,
              lock
                  ? "locked: load balancing leaves it on " + after.node()
                  : "unlocked: load balancing may move it");
        }
        return 0;
      }
      MigrationAccepted accepted =
          api.post(
              ApiPaths.jobMigrate(id.value()), new MigrateRequest(target), MigrationAccepted.class);
      if (!await) {
        if (json) {
          json(accepted);
        } else {
          OUT.printf(
              "Moving job %s from %s to %s (attempt %s).%n",
              id, accepted.from(), accepted.to(), accepted.attempt());
        }
        return 0;
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
      while (true) {
        MigrationOutcome last = job(api, id).lastMigration();
        if (last != null && accepted.attempt().equals(last.attempt()) && last.endedAt() != null) {
          if (json) {
            json(last);
          } else if (last.succeeded()) {
            OUT.printf(
                "Job %s moved %s -> %s: frozen %d ms, total %d ms, %s moved.%n",
                id,
                last.from(),
                last.to(),
                last.frozenMillis(),
                last.totalMillis(),
                Table.bytes(last.bytes()));
          }
          if (!last.succeeded()) {
            ERR.println("gridctl: job " + id + " stays on " + last.from() + ": " + last.reason());
            return 1;
          }
          return 0;
        }
        if (System.nanoTime() > deadline) {
          throw new GridCtlException(
              "no outcome for the migration of job " + id + " after " + timeoutSeconds + " s");
        }
        Thread.sleep(100);
      }
    }
  }

  @Command(
      name = "kill",
      mixinStandardHelpOptions = true,
      description = "Stop a job (SIGTERM, then SIGKILL after a grace period).")
  static final class Kill implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String job;

    @Override
    public Integer call() {
      JobRecord killed =
          grid.client().post(ApiPaths.jobKill(jobId(job).value()), null, JobRecord.class);
      OUT.println("Stopping job " + killed.id() + " on " + killed.node() + ".");
      return 0;
    }
  }

  @Command(
      name = "wait",
      mixinStandardHelpOptions = true,
      description = "Wait for a job to end and exit with its exit code.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "N:the job exited with N",
        "137:the job was killed",
        "124:--timeout passed first",
        "1:the job failed or was lost, or the grid refused"
      })
  static final class Wait implements Callable<Integer> {
    @Mixin GridOptions grid;

    @Parameters(paramLabel = "JOB", description = "The job id.")
    String job;

    @Option(
        names = "--timeout",
        defaultValue = "0",
        description = "Give up after this many seconds (0: never).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
      JobId id = jobId(job);
      JobRecord ended = awaitEnd(grid.client(), id, Duration.ofSeconds(timeoutSeconds));
      if (ended == null) {
        ERR.println("gridctl: job " + id + " is still running after " + timeoutSeconds + " s");
        return 124;
      }
      return exitCodeOf(ended);
    }
  }
}
