package io.roam.agent.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Processes of a job left running by an earlier run of this node's agent: a job outlives its agent
 * (its launcher is not the agent's child for long), so an agent that restarts must end them before
 * the grid restarts the job elsewhere or records it lost.
 *
 * <p>They are recognised by the job's directory among their arguments (the launch recipe and the
 * wrapper shell carry it) and by sharing this agent's mount namespace: on the local grid every node
 * sees the same path for its jobs, but each node has a namespace of its own.
 */
public final class Orphans {
  private Orphans() {}

  /** Pids of the processes of this mount namespace whose arguments name {@code jobDir}. */
  public static List<Long> of(Path jobDir) {
    String dir = jobDir.toString();
    String ourNs = mountNamespace(Path.of("/proc/self"));
    long self = ProcessHandle.current().pid();
    List<Long> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
          continue;
        }
        try {
          byte[] raw = Files.readAllBytes(p.resolve("cmdline"));
          List<String> args = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
          if (args.contains(dir) && Objects.equals(ourNs, mountNamespace(p))) {
            out.add(Long.parseLong(name));
          }
        } catch (IOException | RuntimeException e) {
          // ended meanwhile, or not ours to read
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /** Kills them (SIGKILL); returns how many there were. */
  public static int kill(Path jobDir) {
    List<Long> pids = of(jobDir);
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    return pids.size();
  }

  private static String mountNamespace(Path proc) {
    try {
      return Files.readSymbolicLink(proc.resolve("ns/mnt")).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
