package io.roam.common.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The words that make a command start inside given cgroups: a shell writes its own pid to each
 * group's {@code cgroup.procs}, then becomes the command, so the command and all it forks are in
 * the groups from their first instruction (moving a pid after start would race with its children).
 */
public final class CgroupJoin {
  static final String SCRIPT =
      "while [ \"$1\" != -- ]; do echo $$ > \"$1/cgroup.procs\" || { echo \"roam: cannot join"
          + " the cgroup $1\" >&2; exit 125; }; shift; done; shift; exec \"$@\"";

  private CgroupJoin() {}

  /** The prefix for {@code dirs} (one group per hierarchy); empty when there are none. */
  public static List<String> prefix(List<Path> dirs) {
    if (dirs.isEmpty()) {
      return List.of();
    }
    List<String> argv = new ArrayList<>(List.of("sh", "-c", SCRIPT, "roam-cgroup"));
    dirs.forEach(d -> argv.add(d.toString()));
    argv.add("--");
    return List.copyOf(argv);
  }
}
