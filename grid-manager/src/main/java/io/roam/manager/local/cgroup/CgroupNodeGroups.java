package io.roam.manager.local.cgroup;

import io.roam.common.id.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NodeGroups} in the kernel's cgroup file system, v2 (cpu.max, memory.max) where its cpu
 * controller is available, else v1 (the cpu and memory hierarchies: cpu.cfs_quota_us,
 * memory.limit_in_bytes). The groups go below this process's own groups, in a directory of their
 * own, so several grids on one machine do not meet and a machine's delegation is respected.
 */
public final class CgroupNodeGroups implements NodeGroups {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupNodeGroups.class);
  public static final Path SYS_FS_CGROUP = Path.of("/sys/fs/cgroup");
  static final long PERIOD_US = 100_000;

  /** Which interface the kernel offers. */
  public enum Version {
    V1,
    V2
  }

  private final Version version;
  private final Path cpuRoot;
  private final Path memoryRoot;
  private final List<Path> created = new ArrayList<>();
  private double totalCpus;

  /**
   * @param cpuRoot the grid's group in the cpu hierarchy (v2: the unified one)
   * @param memoryRoot the grid's group in the memory hierarchy (v2: the same as cpuRoot)
   */
  public CgroupNodeGroups(Version version, Path cpuRoot, Path memoryRoot) {
    this.version = version;
    this.cpuRoot = cpuRoot;
    this.memoryRoot = memoryRoot;
  }

  /**
   * The groups of this machine, below this process's own.
   *
   * @param name the grid's directory in each hierarchy
   * @throws IllegalStateException saying why, if this machine offers no usable cpu controller
   */
  public static CgroupNodeGroups detect(Path sysFsCgroup, String selfCgroup, String name) {
    Path v1cpu = sysFsCgroup.resolve("cpu");
    Path v1memory = sysFsCgroup.resolve("memory");
    Optional<String> v2controllers = read(sysFsCgroup.resolve("cgroup.controllers"));
    if (v2controllers.isPresent() && words(v2controllers.get()).contains("cpu")) {
      Path root = sysFsCgroup.resolve(relative(own(selfCgroup, ""))).normalize();
      return new CgroupNodeGroups(Version.V2, root.resolve(name), root.resolve(name));
    }
    if (Files.exists(v1cpu.resolve("cpu.cfs_quota_us"))
        && Files.exists(v1memory.resolve("memory.limit_in_bytes"))) {
      Path cpu = v1cpu.resolve(relative(own(selfCgroup, "cpu"))).normalize();
      Path memory = v1memory.resolve(relative(own(selfCgroup, "memory"))).normalize();
      return new CgroupNodeGroups(Version.V1, cpu.resolve(name), memory.resolve(name));
    }
    throw new IllegalStateException(
        "node limits need cgroups with a cpu controller, and "
            + sysFsCgroup
            + " has neither a v2 cpu controller nor v1 cpu and memory hierarchies");
  }

  /** This machine's groups for a grid named after this process. */
  public static CgroupNodeGroups forThisProcess() {
    String self =
        read(Path.of("/proc/self/cgroup"))
            .orElseThrow(() -> new IllegalStateException("cannot read /proc/self/cgroup"));
    return detect(SYS_FS_CGROUP, self, "roam-" + ProcessHandle.current().pid());
  }

  public Version version() {
    return version;
  }

  /**
   * This process's group for a v1 controller (or, with "", the v2 group), from the lines of
   * /proc/self/cgroup: "hierarchy-id:controller,controller:/path".
   */
  static String own(String selfCgroup, String controller) {
    for (String line : selfCgroup.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length != 3) {
        continue;
      }
      boolean match =
          controller.isEmpty()
              ? f[0].equals("0") && f[1].isEmpty()
              : List.of(f[1].split(",")).contains(controller);
      if (match) {
        return f[2].trim();
      }
    }
    return "/";
  }

  private static String relative(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return p.isEmpty() ? "." : p;
  }

  @Override
  public synchronized NodeGroup create(NodeId node, double cpus, long memoryBytes)
      throws IOException {
    if (created.isEmpty()) {
      mkdir(cpuRoot);
      if (version == Version.V1) {
        mkdir(memoryRoot);
      } else {
        // v2 hands controllers down one level at a time.
        enable(cpuRoot.getParent());
        enable(cpuRoot);
      }
    }
    Path cpuNode = mkdir(cpuRoot.resolve(node.value()));
    if (version == Version.V2) {
      enable(cpuNode);
    }
    Path cpuAgent = mkdir(cpuNode.resolve("agent"));
    Path cpuJobs = mkdir(cpuNode.resolve("jobs"));
    if (cpus > 0) {
      // Under contention a group weighs as one process unless told otherwise: weigh each node
      // by its share, and the grid by their sum, as so many busy processes would.
      totalCpus += cpus;
      weigh(cpuJobs, cpus);
      weigh(cpuRoot, Math.max(1, totalCpus));
    }
    if (version == Version.V2) {
      if (cpus > 0) {
        write(cpuJobs.resolve("cpu.max"), quota(cpus) + " " + PERIOD_US);
      }
      if (memoryBytes > 0) {
        write(cpuJobs.resolve("memory.max"), Long.toString(memoryBytes));
      }
      return new NodeGroup(List.of(cpuAgent), List.of(cpuJobs));
    }
    if (cpus > 0) {
      write(cpuJobs.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
      write(cpuJobs.resolve("cpu.cfs_quota_us"), Long.toString(quota(cpus)));
    }
    Path memNode = mkdir(memoryRoot.resolve(node.value()));
    Path memAgent = mkdir(memNode.resolve("agent"));
    Path memJobs = mkdir(memNode.resolve("jobs"));
    if (memoryBytes > 0) {
      write(memJobs.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
    }
    return new NodeGroup(List.of(cpuAgent, memAgent), List.of(cpuJobs, memJobs));
  }

  private void weigh(Path group, double cores) throws IOException {
    if (version == Version.V2) {
      write(
          group.resolve("cpu.weight"),
          Long.toString(Math.min(10_000, Math.max(1, Math.round(100 * cores)))));
    } else {
      write(
          group.resolve("cpu.shares"),
          Long.toString(Math.min(262_144, Math.max(2, Math.round(1024 * cores)))));
    }
  }

  static long quota(double cpus) {
    return Math.max(1000, Math.round(cpus * PERIOD_US));
  }

  private void enable(Path group) throws IOException {
    Path control = group.resolve("cgroup.subtree_control");
    List<String> have = words(read(control).orElse(""));
    for (String c : List.of("cpu", "memory")) {
      if (!have.contains(c)) {
        try {
          write(control, "+" + c);
        } catch (IOException e) {
          throw new IOException(
              "cannot enable the "
                  + c
                  + " controller in "
                  + group
                  + " (a v2 group that holds processes cannot hand controllers down; run the grid"
                  + " from a delegated group): "
                  + e.getMessage(),
              e);
        }
      }
    }
  }

  private Path mkdir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectory(dir);
      created.add(dir);
    }
    return dir;
  }

  private static void write(Path file, String value) throws IOException {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new IOException("cannot write '" + value + "' to " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized List<Path> dirs() {
    return deepestFirst(created);
  }

  static List<Path> deepestFirst(List<Path> dirs) {
    List<Path> out = new ArrayList<>(dirs);
    out.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
    return out;
  }

  @Override
  public synchronized void close() {
    removeAll(dirs());
    created.clear();
  }

  /**
   * Removes the groups, deepest first; a group still holding processes (a job that escaped its
   * agent's tree) has them killed first, since nothing of the grid may outlive it.
   */
  public static void removeAll(List<Path> dirs) {
    for (Path dir : deepestFirst(dirs)) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (true) {
        try {
          Files.delete(dir);
          break;
        } catch (IOException e) {
          if (System.nanoTime() > deadline) {
            LOG.warn("cannot remove the cgroup {}: {}", dir, e.toString());
            break;
          }
          killMembers(dir);
          try {
            Thread.sleep(50);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  private static void killMembers(Path dir) {
    for (String pid : words(read(dir.resolve("cgroup.procs")).orElse(""))) {
      try {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
      } catch (NumberFormatException e) {
        // not a pid
      }
    }
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static List<String> words(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (String w : text.trim().split("\\s+")) {
      if (!w.isEmpty()) {
        out.add(w.toLowerCase(Locale.ROOT));
      }
    }
    return List.copyOf(out);
  }
}
