package io.roam.agent.load;

import io.roam.common.id.JobId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    int runnable = 0;
    long ticks = 0;
    long pages = 0;
    java.util.List<Long> pids = new java.util.ArrayList<>();
    ProcessHandle.of(rootPid)
        .ifPresent(
            p -> {
              pids.add(p.pid());
              p.descendants().forEach(d -> pids.add(d.pid()));
            });
    for (long pid : pids) {
      Optional<ProcStat> stat = stat(pid);
      if (stat.isEmpty()) {
        continue;
      }
      if (stat.get().state() == 'R') {
        runnable++;
      }
      ticks += stat.get().cpuTicks();
      pages += stat.get().rssPages();
    }
    return new JobSample(runnable, ticks / (double) TICKS_PER_SECOND, pages * PAGE);
  }

  public Map<JobId, JobSample> jobs(Map<JobId, Long> roots) {
    Map<JobId, JobSample> out = new HashMap<>();
    roots.forEach((job, pid) -> out.put(job, job(pid)));
    return out;
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
