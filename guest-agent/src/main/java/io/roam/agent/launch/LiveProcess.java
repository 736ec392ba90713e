package io.roam.agent.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A process known by its PID and its start time, so that a PID the kernel gave to another process
 * after the first one ended is never taken for it (an agent restarting after a while checks this).
 */
public record LiveProcess(long pid, long startTicks) {
  /** The process with this PID now, if there is one. */
  public static java.util.Optional<LiveProcess> of(long pid) {
    OptionalLong ticks = startTicks(pid);
    return ticks.isPresent()
        ? java.util.Optional.of(new LiveProcess(pid, ticks.getAsLong()))
        : java.util.Optional.empty();
  }

  /** Whether this very process still runs (a zombie has ended). */
  public boolean alive() {
    OptionalLong now = startTicks(pid);
    return startTicks != 0 && now.isPresent() && now.getAsLong() == startTicks;
  }

  /** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
  static OptionalLong startTicks(long pid) {
    if (pid <= 0) {
      return OptionalLong.empty();
    }
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    if (rest.length < 20 || rest[0].equals("Z") || rest[0].equals("X")) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(rest[19]));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
