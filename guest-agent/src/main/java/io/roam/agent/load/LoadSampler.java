package io.roam.agent.load;

import io.roam.common.id.JobId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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

  private final Path proc;

  public LoadSampler(Path proc) {
    this.proc = proc;
  }

  public static LoadSampler system() {
    return new LoadSampler(Path.of("/proc"));
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
    return new long[] {Math.min(available, total), total};
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
