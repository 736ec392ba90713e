package io.roam.agent.load;

import io.roam.common.id.JobId;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Samples the load of this node's jobs from {@code /proc}: how many of their processes are
 * runnable, their CPU time and resident memory, and the memory the machine has available. A node
 * measures its own jobs rather than the machine-wide load average, which several local nodes share.
 */
public final class LoadSampler {
  private static final long TICKS_PER_SECOND = 100;
  private static final long PAGE = 4096;

  /** Limits at or above this are "no limit" (v1 writes a huge page-aligned number). */
  private static final long UNLIMITED = 1L << 60;

  private final Path proc;
  private final List<Path> memoryGroups;

  public LoadSampler(Path proc) {
    this(proc, List.of());
  }

  /**
   * @param groups the cgroups the node's jobs run in: a memory limit there is the node's memory,
   *     and what the group uses counts against it
   */
  public LoadSampler(Path proc, List<Path> groups) {
    this.proc = proc;
    this.memoryGroups = List.copyOf(groups);
  }

  public static LoadSampler system() {
    return system(List.of());
  }

  public static LoadSampler system(List<Path> jobsCgroups) {
    return new LoadSampler(Path.of("/proc"), jobsCgroups);
  }

  /** One job's tree at one instant. */
  public record JobSample(int runnable, double cpuSeconds, long residentBytes) {}

  /** A job's tree, given the host PID of its root. */
  public JobSample job(long rootPid) {
    return tree(rootPid, processes());
  }

  /**
   * Every job's tree, given the host PIDs of their roots. {@code /proc} is read once for them all:
   * finding one tree's processes means reading every process's parent (as {@code
   * ProcessHandle.descendants()} does), and doing that per job cost a node's two sampling services
   * a tenth of a core with 20 jobs on the machine.
   */
  public Map<JobId, JobSample> jobs(Map<JobId, Long> roots) {
    if (roots.isEmpty()) {
      return Map.of();
    }
    Processes all = processes();
    Map<JobId, JobSample> out = new HashMap<>();
    roots.forEach((job, pid) -> out.put(job, tree(pid, all)));
    return out;
  }

  /** The machine's processes at one instant: each one's stat, and each parent's children. */
  private record Processes(Map<Long, ProcStat> stats, Map<Long, List<Long>> children) {}

  private Processes processes() {
    Map<Long, ProcStat> stats = new HashMap<>();
    Map<Long, List<Long>> children = new HashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        long pid = Long.parseLong(name);
        stat(pid)
            .ifPresent(
                s -> {
                  stats.put(pid, s);
                  children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(pid);
                });
      }
    } catch (IOException | DirectoryIteratorException e) {
      // An unreadable /proc: no process is seen, so no load is reported.
    }
    return new Processes(stats, children);
  }

  private static JobSample tree(long rootPid, Processes all) {
    int runnable = 0;
    long ticks = 0;
    long pages = 0;
    Deque<Long> todo = new ArrayDeque<>();
    // The scan is not atomic: a PID freed and reused while /proc is read can close a loop.
    Set<Long> seen = new HashSet<>();
    if (all.stats().containsKey(rootPid)) {
      todo.add(rootPid);
    }
    while (!todo.isEmpty()) {
      long pid = todo.poll();
      if (!seen.add(pid)) {
        continue;
      }
      ProcStat stat = all.stats().get(pid);
      if (stat.state() == 'R') {
        runnable++;
      }
      ticks += stat.cpuTicks();
      pages += stat.rssPages();
      todo.addAll(all.children().getOrDefault(pid, List.of()));
    }
    return new JobSample(runnable, ticks / (double) TICKS_PER_SECOND, pages * PAGE);
  }

  /** MemAvailable and MemTotal, in bytes. */
  public long[] memory() {
    long total = 0;
    long available = 0;
    try {
      for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          total = kib(line);
        } else if (line.startsWith("MemAvailable:")) {
          available = kib(line);
        }
      }
    } catch (IOException e) {
      // an unreadable /proc: report nothing free rather than guess
    }
    available = Math.min(available, total);
    for (Path group : memoryGroups) {
      long[] limitAndUse =
          readLimit(group, "memory.max", "memory.current")
              .or(() -> readLimit(group, "memory.limit_in_bytes", "memory.usage_in_bytes"))
              .orElse(null);
      if (limitAndUse != null && limitAndUse[0] < UNLIMITED) {
        total = Math.min(total, limitAndUse[0]);
        available = Math.min(available, Math.max(0, limitAndUse[0] - limitAndUse[1]));
      }
    }
    return new long[] {Math.min(available, total), total};
  }

  /** The group's memory limit and use, if it has these files ("max" is no limit). */
  private static Optional<long[]> readLimit(Path group, String limitFile, String usageFile) {
    try {
      String limit = Files.readString(group.resolve(limitFile)).trim();
      long use = Long.parseLong(Files.readString(group.resolve(usageFile)).trim());
      return Optional.of(
          new long[] {limit.equals("max") ? Long.MAX_VALUE : Long.parseLong(limit), use});
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static long kib(String line) {
    String[] f = line.trim().split("\\s+");
    return Long.parseLong(f[1]) * 1024;
  }

  private Optional<ProcStat> stat(long pid) {
    try {
      return ProcStat.parse(Files.readString(proc.resolve(Long.toString(pid)).resolve("stat")));
    } catch (IOException e) {
      return Optional.empty(); // ended meanwhile
    }
  }
}
