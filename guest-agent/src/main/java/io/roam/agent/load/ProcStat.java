package io.roam.agent.load;

import java.util.Optional;

/**
 * One line of {@code /proc/PID/stat}, the parts load sampling needs. Parsed from after the last ')'
 * because a command name may hold spaces and parentheses.
 *
 * @param state R running, S sleeping, D disk wait, T stopped, Z zombie...
 * @param ppid the parent's PID
 * @param cpuTicks user + system time, in clock ticks
 * @param rssPages resident pages
 */
public record ProcStat(char state, long ppid, long cpuTicks, long rssPages) {
  /** The fields after the name that are read: state(0) ppid(1) ... utime(11) stime(12) rss(21). */
  private static final int FIELDS = 22;

  public static Optional<ProcStat> parse(String line) {
    int close = line.lastIndexOf(')');
    if (close < 0 || close + 2 >= line.length()) {
      return Optional.empty();
    }
    // Split by hand: every process's line is read once a second by two services of each node.
    String[] f = new String[FIELDS];
    int n = 0;
    int i = close + 1;
    int end = line.length();
    while (n < FIELDS) {
      while (i < end && Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      if (i == end) {
        return Optional.empty();
      }
      int start = i;
      while (i < end && !Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      f[n++] = line.substring(start, i);
    }
    try {
      return Optional.of(
          new ProcStat(
              f[0].charAt(0),
              Long.parseLong(f[1]),
              Long.parseLong(f[11]) + Long.parseLong(f[12]),
              Long.parseLong(f[21])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
