package io.roam.common.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CPU and memory limits of a local grid's nodes, one figure per node in start order (c1-n1,
 * c1-n2, ..., c2-n1, ...). Empty lists mean no limit, as before limits existed.
 *
 * @param cpus each node's CPU share in cores (0.5 = half of one core), given to its jobs' cgroup
 * @param memoryMb each node's memory for its jobs, in MiB
 */
public record LocalNodeLimits(List<Double> cpus, List<Long> memoryMb) {
  /** The smallest share cpu.max can express usefully (1 ms of each 100 ms period). */
  public static final double MIN_CPU = 0.01;

  public static final double MAX_CPU = 1024;
  public static final long MIN_MEMORY_MB = 8;

  /** What {@code --unequal} gives, repeated over the nodes: 2 cores' worth for 2 x 2 nodes. */
  public static final List<Double> UNEQUAL = List.of(0.25, 0.5, 0.25, 1.0);

  public static final LocalNodeLimits NONE = new LocalNodeLimits(List.of(), List.of());

  public LocalNodeLimits {
    cpus = List.copyOf(cpus);
    memoryMb = List.copyOf(memoryMb);
  }

  public boolean any() {
    return !cpus.isEmpty() || !memoryMb.isEmpty();
  }

  /** The node's CPU share in cores, or 0 for none. */
  public double cpu(int index) {
    return cpus.isEmpty() ? 0 : cpus.get(index);
  }

  /** The node's memory limit in MiB, or 0 for none. */
  public long memory(int index) {
    return memoryMb.isEmpty() ? 0 : memoryMb.get(index);
  }

  /**
   * Parses the command line's figures for {@code nodes} nodes.
   *
   * @param cpu comma-separated cores, one per node (or null)
   * @param unequal the preset {@link #UNEQUAL}, instead of {@code cpu}
   * @param memory comma-separated MiB, one per node or one for all (or null)
   * @throws IllegalArgumentException saying every mistake, if there is one
   */
  public static LocalNodeLimits parse(String cpu, boolean unequal, String memory, int nodes) {
    List<String> errors = new ArrayList<>();
    List<Double> cpus = new ArrayList<>();
    if (unequal && cpu != null) {
      errors.add("give either --cpu or --unequal, not both");
    } else if (unequal) {
      for (int i = 0; i < nodes; i++) {
        cpus.add(UNEQUAL.get(i % UNEQUAL.size()));
      }
    } else if (cpu != null) {
      List<String> figures = split(cpu);
      if (figures.size() != nodes) {
        errors.add(
            "--cpu needs one figure per node ("
                + nodes
                + " nodes, in order c1-n1, c1-n2, ...), not "
                + figures.size()
                + ": '"
                + cpu
                + "'");
      }
      for (String f : figures) {
        try {
          double c = Double.parseDouble(f);
          if (!(c >= MIN_CPU && c <= MAX_CPU)) {
            errors.add(
                String.format(
                    Locale.ROOT,
                    "--cpu figure '%s' must be between %s and %s cores",
                    f,
                    MIN_CPU,
                    (long) MAX_CPU));
          }
          cpus.add(c);
        } catch (NumberFormatException e) {
          errors.add("--cpu figure '" + f + "' is not a number of cores (e.g. 0.5 or 2)");
        }
      }
    }
    List<Long> mems = new ArrayList<>();
    if (memory != null) {
      List<String> figures = split(memory);
      if (figures.size() != 1 && figures.size() != nodes) {
        errors.add(
            "--memory-mb needs one figure for all nodes or one per node ("
                + nodes
                + "), not "
                + figures.size()
                + ": '"
                + memory
                + "'");
      }
      for (String f : figures) {
        try {
          long m = Long.parseLong(f);
          if (m < MIN_MEMORY_MB) {
            errors.add("--memory-mb figure '" + f + "' must be at least " + MIN_MEMORY_MB);
          }
          mems.add(m);
        } catch (NumberFormatException e) {
          errors.add("--memory-mb figure '" + f + "' is not a whole number of MiB");
        }
      }
      if (figures.size() == 1 && mems.size() == 1) {
        long m = mems.get(0);
        mems.clear();
        for (int i = 0; i < nodes; i++) {
          mems.add(m);
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new LocalNodeLimits(cpus, mems);
  }

  private static List<String> split(String list) {
    List<String> out = new ArrayList<>();
    for (String f : list.split(",", -1)) {
      out.add(f.trim());
    }
    return out;
  }

  /** The figures as {@link #parse} reads them back (null when there are none). */
  public static String join(List<? extends Number> figures) {
    if (figures.isEmpty()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Number n : figures) {
      out.add(n instanceof Double d ? Double.toString(d) : n.toString());
    }
    return String.join(",", out);
  }
}
