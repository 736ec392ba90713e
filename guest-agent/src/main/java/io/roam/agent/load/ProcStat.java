package io.roam.agent.load;

import java.util.Optional;

/**
 * One line of {@code /proc/PID/stat}, the parts load sampling needs. Parsed from after the last ')'
 * because a command name may hold spaces and parentheses.
 *
 * @param state R running, S sleeping, D disk wait, T stopped, Z zombie...
 * @param cpuTicks user + system time, in clock ticks
 * @param rssPages resident pages
 */
public record ProcStat(char state, long cpuTicks, long rssPages) {
  public static Optional<ProcStat> parse(String line) {
    int close = line.lastIndexOf(')');
    if (close < 0 || close + 2 >= line.length()) {
      return Optional.empty();
    }
    String[] f = line.substring(close + 2).trim().split("\\s+");
    // After the name: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    if (f.length < 22 || f[0].isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new ProcStat(
              f[0].charAt(0),
              Long.parseLong(f[11]) + Long.parseLong(f[12]),
              Long.parseLong(f[21])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
