package io.roam.agent;

import io.roam.agent.launch.JobCgroup;
import io.roam.agent.launch.NamespaceLauncher;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The guest agent's command line. */
@Command(
    name = "roam-agent",
    mixinStandardHelpOptions = true,
    version = AgentMain.VERSION,
    description = "Runs one Roam grid node: registers it in the grid, starts and tracks its jobs.")
public final class AgentMain implements Callable<Integer> {
  public static final String VERSION = "0.1.0";

  @Option(names = "--node-id", required = true, description = "This node's id, e.g. c1-n1.")
  String nodeId;

  @Option(names = "--cluster", required = true, description = "The cluster this node belongs to.")
  String cluster;

  @Option(names = "--zk", required = true, description = "ZooKeeper connect string.")
  String zookeeper;

  @Option(
      names = "--grid",
      defaultValue = "default",
      description = "Grid name (default: ${DEFAULT-VALUE}).")
  String grid;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      description = "Address the API listens on (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--advertise",
      description = "Address others reach this node at (default: --bind).")
  String advertise;

  @Option(
      names = "--port",
      defaultValue = "0",
      description = "API port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--state-dir",
      required = true,
      description = "Where this node keeps its jobs' files.")
  Path stateDir;

  @Option(
      names = "--secret-file",
      required = true,
      description = "File holding the grid's agent secret.")
  Path secretFile;

  @Option(names = "--cores", description = "Cores to offer (default: all this machine has).")
  Integer cores;

  @Option(names = "--memory-mb", description = "Memory to offer in MiB (default: this machine's).")
  Long memoryMb;

  @Option(
      names = "--speed",
      description =
          "Relative speed of the node (default: its jobs' cgroup CPU limit in cores, if"
              + " --jobs-cgroup has one, else 1.0).")
  Double speed;

  @Option(
      names = "--jobs-cgroup",
      paramLabel = "DIR",
      description =
          "Start jobs in this cgroup (repeat for each v1 hierarchy); its CPU limit is the node's"
              + " capacity (default: the agent's own groups).")
  List<Path> jobsCgroups = new ArrayList<>();

  @Option(names = "--sandboxed", description = "Say that this node runs in a sandbox of its own.")
  boolean sandboxed;

  @Option(
      names = "--session-timeout-ms",
      defaultValue = "10000",
      description = "ZooKeeper session timeout (default: ${DEFAULT-VALUE}).")
  long sessionTimeoutMs;

  @Option(
      names = "--migration-port",
      defaultValue = "0",
      description = "Port for incoming migrations; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int migrationPort;

  @Option(
      names = "--max-migration-mb",
      defaultValue = "8192",
      description =
          "Largest job (files and image, MiB) this node accepts (default: ${DEFAULT-VALUE}).")
  long maxMigrationMb;

  @Option(
      names = "--transfer-timeout-s",
      defaultValue = "60",
      description =
          "Seconds a migration, checkpoint or homecoming transfer may make no progress (connect,"
              + " one read or write) before it is given up; a migration then resumes the job here"
              + " (default: ${DEFAULT-VALUE}).")
  long transferTimeoutS;

  @Option(
      names = "--balance",
      description =
          "Move this node's jobs to nodes where they would finish sooner (off by default).")
  boolean balance;

  @Option(
      names = "--gossip-window",
      defaultValue = "" + AgentConfig.GOSSIP_WINDOW,
      description =
          "Load entries per gossip message, 1 to 48: this node's own and the freshest it knows;"
              + " fewer make the load information older (default: ${DEFAULT-VALUE}).")
  int gossipWindow;

  @Option(
      names = "--advertise-port",
      defaultValue = "0",
      description =
          "API port others reach this node at, when a port forward puts it elsewhere than --port"
              + " (default: the port it listens on).")
  int advertisePort;

  @Option(
      names = "--advertise-migration-port",
      defaultValue = "0",
      description =
          "Migration port others reach this node at, when a port forward puts it elsewhere than"
              + " --migration-port (default: the port it listens on).")
  int advertiseMigrationPort;

  @Option(
      names = "--host-loopback",
      description =
          "Inside a VM with user-mode networking: the address of the host's loopback (10.0.2.2"
              + " for QEMU). Peers advertising a loopback address are reached there.")
  String hostLoopback;

  @Option(
      names = "--exit-on-stdin-eof",
      description = "Stop when standard input closes (the local grid's supervisor holds it).")
  boolean exitOnStdinEof;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new AgentMain());
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("roam-agent: error: " + e.getMessage());
          return 1;
        });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String secret = readSecret(secretFile);
    for (Path dir : jobsCgroups) {
      if (!Files.isWritable(dir.resolve("cgroup.procs"))) {
        throw new IllegalArgumentException(
            "--jobs-cgroup " + dir + " is not a cgroup this agent can put jobs in");
      }
    }
    JobCgroup jobGroup = new JobCgroup(jobsCgroups);
    OptionalDouble limit = jobGroup.cpuLimit();
    int available = Runtime.getRuntime().availableProcessors();
    AgentConfig config =
        new AgentConfig(
            NodeId.of(nodeId),
            ClusterId.of(cluster),
            zookeeper,
            grid,
            bind,
            advertise,
            port,
            stateDir.toAbsolutePath(),
            secret,
            cores != null ? cores : cores(limit, available),
            memoryMb != null ? memoryMb << 20 : physicalMemory(),
            speed != null ? speed : speed(limit, available),
            sandboxed,
            Duration.ofMillis(sessionTimeoutMs),
            migrationPort,
            maxMigrationMb << 20,
            balance,
            advertisePort,
            advertiseMigrationPort,
            hostLoopback,
            jobsCgroups,
            Duration.ofSeconds(transferTimeoutS),
            gossipWindow);
    NamespaceLauncher launcher = NamespaceLauncher.forThisProcess(jobGroup.prefix());
    Agent agent =
        new Agent(
            config,
            launcher,
            Checkpoints.forThisNode(launcher.pidNamespace(), jobGroup.prefix()),
            Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  stopped.countDown();
                },
                "agent-shutdown"));
    agent.start();
    if (exitOnStdinEof) {
      Thread watcher = new Thread(AgentMain::exitAtEndOfInput, "stdin-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
    stopped.await();
    return 0;
  }

  private static void exitAtEndOfInput() {
    try (InputStream in = System.in) {
      while (in.read() >= 0) {
        // the supervisor sends nothing; only the end matters
      }
    } catch (IOException e) {
      // treated as the end
    }
    System.exit(0);
  }

  /**
   * A node limited to c cores runs its runnable processes at c reference cores in all (at most the
   * machine's), which is the speed the balancer's model of one shared processor needs.
   */
  static double speed(OptionalDouble limit, int available) {
    return limit.isPresent() ? Math.min(limit.getAsDouble(), available) : 1.0;
  }

  /** The cores a limited node can keep busy at once. */
  static int cores(OptionalDouble limit, int available) {
    return limit.isPresent()
        ? (int) Math.max(1, Math.min(available, Math.ceil(limit.getAsDouble())))
        : available;
  }

  static String readSecret(Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("cannot read the agent secret file " + file);
    }
    return Files.readString(file, StandardCharsets.UTF_8).trim();
  }

  private static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return 1L << 30;
  }
}
