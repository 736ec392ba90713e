package io.roam.agent.launch;

import io.roam.common.cgroup.CgroupJoin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The cgroup a node's jobs run in (one directory per hierarchy; none when the node has no group of
 * its own): jobs are started inside it, and its CPU limit is the node's capacity.
 */
public final class JobCgroup {
  public static final JobCgroup NONE = new JobCgroup(List.of());

  private final List<Path> dirs;

  public JobCgroup(List<Path> dirs) {
    this.dirs = List.copyOf(dirs);
  }

  public List<Path> dirs() {
    return dirs;
  }

  /** The words to put before a command so that it starts in the group. */
  public List<String> prefix() {
    return CgroupJoin.prefix(dirs);
  }

  /**
   * The CPU the group may use, in cores: the tightest cpu.max (v2) or cfs quota (v1) of the group
   * and of the groups above it, since a parent's limit binds its children too. Empty if unlimited.
   */
  public OptionalDouble cpuLimit() {
    double least = Double.POSITIVE_INFINITY;
    for (Path dir : dirs) {
      for (Path d = dir; d != null; d = d.getParent()) {
        OptionalDouble here = limitOf(d);
        if (here.isPresent()) {
          least = Math.min(least, here.getAsDouble());
        }
        if (!Files.exists(d.resolve("cpu.max")) && !Files.exists(d.resolve("cpu.cfs_quota_us"))) {
          break; // above the hierarchy's root
        }
      }
    }
    return Double.isInfinite(least) ? OptionalDouble.empty() : OptionalDouble.of(least);
  }

  /** The group's own CPU limit, in cores, if it has one. */
  static OptionalDouble limitOf(Path dir) {
    try {
      Path max = dir.resolve("cpu.max");
      if (Files.exists(max)) {
        String[] f = Files.readString(max).trim().split("\\s+");
        if (f.length == 2 && !f[0].equals("max")) {
          return OptionalDouble.of(Double.parseDouble(f[0]) / Double.parseDouble(f[1]));
        }
        return OptionalDouble.empty();
      }
      Path quota = dir.resolve("cpu.cfs_quota_us");
      if (Files.exists(quota)) {
        long q = Long.parseLong(Files.readString(quota).trim());
        long period = Long.parseLong(Files.readString(dir.resolve("cpu.cfs_period_us")).trim());
        return q > 0 && period > 0
            ? OptionalDouble.of(q / (double) period)
            : OptionalDouble.empty();
      }
    } catch (IOException | NumberFormatException e) {
      // unreadable or odd: no limit known here
    }
    return OptionalDouble.empty();
  }
}
