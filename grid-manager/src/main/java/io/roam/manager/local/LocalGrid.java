package io.roam.manager.local;

import io.roam.common.api.LocalNodeLimits;
import io.roam.common.cgroup.CgroupJoin;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.NodeRecord;
import io.roam.common.placement.GossipWindow;
import io.roam.manager.local.cgroup.CgroupNodeGroups;
import io.roam.manager.local.cgroup.NoNodeGroups;
import io.roam.manager.local.cgroup.NodeGroups;
import io.roam.store.GridStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes of a local grid: one agent process per node, each (as root) in its own mount namespace
 * where its private state directory appears at the same path as on every other node, so that a
 * migration really copies a job's files, as between VMs. Node k of cluster c listens on 127.0.c.k.
 */
public final class LocalGrid implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalGrid.class);
  public static final int MAX_CLUSTERS = 16;
  public static final int MAX_NODES_PER_CLUSTER = 16;

  /**
   * Mounts the node's directory at the shared node path, then becomes the agent. First, on a host
   * whose /run is not a tmpfs (a container's, often), it gives the node a tmpfs /run holding the
   * host's /run entries, bound back so that the node's jobs see them as before: CRIU keeps what it
   * learns about the kernel in /run/criu.kdat only on a tmpfs, and otherwise learns it again on
   * every dump and restore (about 25 ms of each here, half their time). CRIU's own files there are
   * left out, so each node keeps its own, and so is mount's table (/run/mount: the node's mounts
   * are its own). A /run that cannot be set up so is left as it is.
   */
  static final String SANDBOX =
      """
      here=$PWD
      if [ "$(stat -f -c %T /run)" != tmpfs ] && cd /run \\
          && mount -t tmpfs -o mode=0755 roam-run /run; then
        for e in * .[!.]* ..?*; do
          case "$e" in criu.kdat* | mount) continue ;; esac
          if [ -L "$e" ]; then cp -P "$e" "/run/$e"
          elif [ -d "$e" ]; then mkdir -p "/run/$e" && mount --bind "$e" "/run/$e"
          elif [ -e "$e" ]; then : > "/run/$e" && mount --bind "$e" "/run/$e"
          fi || echo "roam-node: /run/$e of the host is not visible in this node" >&2
        done
      fi
      cd "$here"
      mkdir -p "$1" && mount --bind "$2" "$1" && shift 2 && exec "$@"
      """;

  /**
   * @param nodeRoot where each sandboxed node sees its own state directory
   * @param sandbox whether to give nodes mount namespaces (needs root)
   * @param limits each node's CPU and memory for its jobs, as cgroup limits (needs root)
   * @param gossipWindow the agents' --gossip-window; 0: theirs by default
   */
  public record Settings(
      Path stateDir,
      int clusters,
      int nodesPerCluster,
      Path agentJar,
      String java,
      String grid,
      Path agentSecretFile,
      boolean sandbox,
      Path nodeRoot,
      boolean balance,
      LocalNodeLimits limits,
      int gossipWindow) {
    public Settings {
      limits = limits == null ? LocalNodeLimits.NONE : limits;
      List<String> errors = new ArrayList<>();
      if (clusters < 1 || clusters > MAX_CLUSTERS) {
        errors.add("--clusters must be between 1 and " + MAX_CLUSTERS + ", not " + clusters);
      }
      if (nodesPerCluster < 1 || nodesPerCluster > MAX_NODES_PER_CLUSTER) {
        errors.add(
            "--nodes-per-cluster must be between 1 and "
                + MAX_NODES_PER_CLUSTER
                + ", not "
                + nodesPerCluster);
      }
      if (agentJar == null || !Files.isRegularFile(agentJar)) {
        errors.add("the guest agent jar " + agentJar + " does not exist: build it (mvn package)");
      }
      int nodes = clusters * nodesPerCluster;
      if (!limits.cpus().isEmpty() && limits.cpus().size() != nodes) {
        errors.add("--cpu needs one figure per node (" + nodes + "), not " + limits.cpus().size());
      }
      if (!limits.memoryMb().isEmpty() && limits.memoryMb().size() != nodes) {
        errors.add(
            "--memory-mb needs one figure per node ("
                + nodes
                + "), not "
                + limits.memoryMb().size());
      }
      if (gossipWindow < 0 || gossipWindow > GossipWindow.MAX) {
        errors.add(
            "--gossip-window must be between 1 and " + GossipWindow.MAX + ", not " + gossipWindow);
      }
      if (!errors.isEmpty()) {
        throw new IllegalArgumentException(String.join("; ", errors));
      }
    }
  }

  /** Where the cgroups of the running grid are listed, for 'gridctl down' after a crash. */
  public static final String CGROUPS_FILE = "cgroups";

  private record Node(NodeId id, Process process, OutputStream lifeline, Path log) {}

  private final Settings settings;
  private final Consumer<String> progress;
  private final List<Node> nodes = new ArrayList<>();
  private final Supplier<NodeGroups> groupsFactory;
  private NodeGroups groups;

  /** Nodes with limits get cgroups of this machine; without, none. */
  public LocalGrid(Settings settings, Consumer<String> progress) {
    this(
        settings,
        progress,
        settings.limits().any() ? CgroupNodeGroups::forThisProcess : NoNodeGroups::new);
  }

  public LocalGrid(Settings settings, Consumer<String> progress, Supplier<NodeGroups> groups) {
    this.settings = settings;
    this.progress = progress;
    this.groupsFactory = groups;
  }

  public static NodeId nodeId(int cluster, int node) {
    return NodeId.of("c" + cluster + "-n" + node);
  }

  /** Creates the clusters, starts every node and waits until all are registered. */
  public synchronized void start(GridStore store, String zookeeper, Duration timeout)
      throws IOException {
    // Registrations left by an earlier run of this grid may outlive it by a session timeout.
    Instant launched = Clock.systemUTC().instant();
    for (int c = 1; c <= settings.clusters(); c++) {
      store.ensureCluster(
          new ClusterRecord(
              ClusterId.of("c" + c), "local", ClusterState.ATTACHED, Clock.systemUTC().instant()));
    }
    groups = groupsFactory.get();
    int index = 0;
    for (int c = 1; c <= settings.clusters(); c++) {
      for (int n = 1; n <= settings.nodesPerCluster(); n++) {
        nodes.add(startNode(c, n, index++, zookeeper));
      }
    }
    Set<NodeId> expected = nodes.stream().map(Node::id).collect(Collectors.toSet());
    long deadline = System.nanoTime() + timeout.toNanos();
    int reported = 0;
    while (true) {
      Set<NodeId> up =
          store.nodes().stream()
              .map(NodeRecord::id)
              .filter(expected::contains)
              .collect(Collectors.toSet());
      if (up.size() > reported) {
        reported = up.size();
        progress.accept("nodes up: " + reported + "/" + expected.size());
      }
      if (up.size() == expected.size()) {
        return;
      }
      for (Node node : nodes) {
        if (!node.process.isAlive()) {
          throw new IllegalStateException(
              "node " + node.id + " stopped while starting: " + lastLine(node.log));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "nodes not up after "
                + timeout.toSeconds()
                + " s: "
                + expected.stream().filter(n -> !up.contains(n)).sorted().toList());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting nodes", e);
      }
    }
  }

  private Node startNode(int cluster, int index, int ordinal, String zookeeper) throws IOException {
    NodeId id = nodeId(cluster, index);
    long memoryMb = settings.limits().memory(ordinal);
    NodeGroups.NodeGroup group = groups.create(id, settings.limits().cpu(ordinal), memoryMb << 20);
    writeGroupList();
    Files.createDirectories(settings.stateDir().resolve("nodes").resolve(id.value()));
    Path log = settings.stateDir().resolve("nodes").resolve(id.value() + ".log");
    List<String> argv = agentCommand(cluster, index, group, memoryMb, zookeeper);
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process process = pb.start();
    LOG.info(
        "node {} starting at 127.0.{}.{} (pid {}), log {}", id, cluster, index, process.pid(), log);
    return new Node(id, process, process.getOutputStream(), log);
  }

  /**
   * What runs a command as a sandboxed node: in a mount namespace of its own, through {@link
   * #SANDBOX}, with {@code nodeDir} seen at {@code nodeRoot}.
   */
  static List<String> sandboxPrefix(Path nodeRoot, Path nodeDir) {
    return List.of(
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        SANDBOX,
        "roam-node",
        nodeRoot.toString(),
        nodeDir.toString());
  }

  /** The command line of node {@code index} of {@code cluster}, in its groups. */
  List<String> agentCommand(
      int cluster, int index, NodeGroups.NodeGroup group, long memoryMb, String zookeeper) {
    NodeId id = nodeId(cluster, index);
    Path nodeDir = settings.stateDir().resolve("nodes").resolve(id.value());
    String address = "127.0." + cluster + "." + index;
    Path agentState = settings.sandbox() ? settings.nodeRoot() : nodeDir;
    // The agent and all it starts are in the node's agent group from the first instruction.
    List<String> argv = new ArrayList<>(CgroupJoin.prefix(group.agentDirs()));
    if (settings.sandbox()) {
      argv.addAll(sandboxPrefix(settings.nodeRoot(), nodeDir));
    }
    // No tiered compilation: its profiling tier compiles hundreds of lukewarm methods whenever a
    // node meets a path for the first time (a detach's source or target role), on the cores the
    // migrations need; C2 alone compiles only what is hot (the cipher, the transfer loops).
    argv.addAll(
        List.of(
            settings.java(),
            "-Xmx192m",
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            "-XX:-TieredCompilation",
            "-jar",
            settings.agentJar().toString(),
            "--node-id",
            id.value(),
            "--cluster",
            "c" + cluster,
            "--zk",
            zookeeper,
            "--grid",
            settings.grid(),
            "--bind",
            address,
            "--state-dir",
            agentState.toString(),
            "--secret-file",
            settings.agentSecretFile().toString(),
            "--exit-on-stdin-eof"));
    if (settings.sandbox()) {
      argv.add("--sandboxed");
    }
    if (settings.balance()) {
      argv.add("--balance");
    }
    if (settings.gossipWindow() > 0) {
      argv.addAll(List.of("--gossip-window", Integer.toString(settings.gossipWindow())));
    }
    for (Path jobs : group.jobsDirs()) {
      argv.addAll(List.of("--jobs-cgroup", jobs.toString()));
    }
    if (memoryMb > 0) {
      argv.addAll(List.of("--memory-mb", Long.toString(memoryMb)));
    }
    return argv;
  }

  /** Lists the groups in the state directory, so that 'gridctl down' finds them after a crash. */
  private void writeGroupList() throws IOException {
    List<Path> dirs = groups.dirs();
    Path file = settings.stateDir().resolve(CGROUPS_FILE);
    if (dirs.isEmpty()) {
      Files.deleteIfExists(file);
      return;
    }
    StringBuilder text = new StringBuilder();
    dirs.forEach(d -> text.append(d).append('\n'));
    Files.writeString(file, text);
  }

  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).contains("error")) {
          return lines.get(i).trim();
        }
      }
      return lines.isEmpty()
          ? "(its log " + log + " is empty)"
          : lines.get(lines.size() - 1).trim();
    } catch (IOException e) {
      return "see " + log;
    }
  }

  /**
   * Stops every node and whatever its jobs left: the agent is asked first (end of its input, then
   * SIGTERM), and anything still alive after a grace period is killed.
   */
  @Override
  public synchronized void close() {
    List<ProcessHandle> leftovers = new ArrayList<>();
    for (Node node : nodes) {
      leftovers.addAll(node.process.descendants().toList());
      try {
        node.lifeline.close();
      } catch (IOException e) {
        // the agent is gone already
      }
      node.process.destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (Node node : nodes) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!node.process.waitFor(left, TimeUnit.NANOSECONDS)) {
          LOG.warn("node {} did not stop in time; killing it", node.id);
          node.process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        node.process.destroyForcibly();
      }
      leftovers.addAll(node.process.descendants().toList());
    }
    for (ProcessHandle p : leftovers) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    nodes.clear();
    if (groups != null) {
      groups.close();
      try {
        Files.deleteIfExists(settings.stateDir().resolve(CGROUPS_FILE));
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", CGROUPS_FILE, e.toString());
      }
      groups = null;
    }
  }
}
