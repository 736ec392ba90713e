package io.roam.agent.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a failed CRIU action's log into one sentence a job's user understands. Pure: it reads
 * lines, not files. The rules come from failures seen with CRIU 4.1; a failure no rule knows is
 * reported with CRIU's own first error message.
 */
final class CriuFailures {
  private static final Pattern ERROR = Pattern.compile("Error \\(([^)]*)\\):\\s*(.*)$");
  private static final Pattern SOCKET_FAMILY =
      Pattern.compile("Searching for socket (0x[0-9a-f]+) family (\\d+)");

  /** Errors CRIU logs on every run that say nothing about the failure. */
  private static final List<Pattern> NOISE =
      List.of(
          Pattern.compile("RLIMIT_NOFILE"),
          Pattern.compile("^(Dump(ing| files)|Restoring).*FAILED"));

  /** Lines CRIU logs without calling them errors that still tell what went wrong. */
  private static final Pattern CLUE = Pattern.compile("\\d+: (No \\S+\\.img image)\\s*$");

  private record Rule(Pattern pattern, Function<Matcher, String> reason) {}

  private static final List<Rule> RULES =
      List.of(
          rule(
              "Tracking memory is not available",
              m ->
                  "this node's kernel does not track dirtied memory (CONFIG_MEM_SOFT_DIRTY is off),"
                      + " so the job cannot be pre-dumped; migrate it with a single dump"),
          rule(
              "Connected TCP socket",
              m ->
                  "the job has an open TCP connection; live network connections cannot move to"
                      + " another node"),
          rule(
              "External socket is used|ext-unix-sk|unix: .*(peer|external)",
              m ->
                  "the job is connected to a Unix socket of a process outside the job (for"
                      + " example a local daemon), which cannot move with it"),
          rule(
              "Can't dump file (\\d+) of that type \\[\\w+\\] \\((chr|blk) (\\d+:\\d+)\\)",
              m ->
                  "the job has a device open (descriptor "
                      + m.group(1)
                      + ", "
                      + ("chr".equals(m.group(2)) ? "character" : "block")
                      + " device "
                      + m.group(3)
                      + ") that cannot be moved to another node"),
          rule(
              "criu/tty\\.c|Can't dump tty",
              m ->
                  "the job uses a terminal that is not its own; jobs must run detached from any"
                      + " terminal to move"),
          rule(
              "criu/fsnotify\\.c|inotify|fanotify",
              m -> "the job watches files (inotify/fanotify) in a way CRIU cannot move"),
          rule(
              "file locks|file_locks|Some file locks",
              m -> "the job holds file locks, which cannot be moved"),
          rule(
              "outside of its pid namespace|session leader",
              m ->
                  "the job was not started as the first process of its own session and PID"
                      + " namespace, so it cannot be moved (start it through the grid)"),
          rule(
              "Can't lookup mount",
              m ->
                  "the job holds a descriptor it inherited from outside its node (another mount"
                      + " namespace), which cannot be moved"),
          rule(
              "Can't open file (\\S+) on restore: No such file or directory",
              m ->
                  "the file /"
                      + m.group(1)
                      + " the job had open is missing on this node; the job's files must be"
                      + " copied here before it is restored"),
          rule(
              "File (\\S+) has bad size (\\d+) \\(expect (\\d+)\\)",
              m ->
                  "the file /"
                      + m.group(1)
                      + " the job had open is "
                      + m.group(2)
                      + " bytes long here but was "
                      + m.group(3)
                      + " at the dump; it changed after the dump or was copied incompletely"),
          rule(
              "Can't open file (\\S+)",
              m -> "the file /" + m.group(1) + " the job had open cannot be opened on this node"),
          rule(
              "Unexpected EOF|[Cc]orrupt|[Mm]agic|Can't open image|Unable to open image|"
                  + "No parent image|Failed to read|No \\S+\\.img image",
              m -> "the checkpoint images are damaged or incomplete"),
          rule(
              "seize|No such process|ESRCH|Can't stop",
              m -> "the job's processes could not be stopped (they may have just ended)"),
          rule(
              "clone.*File exists|Pid .* is already taken|set_next_pid",
              m -> "a process id the job needs is already taken on this node"));

  /** Sockets are recognised from context, right after the rules that name them exactly. */
  private static final int SOCKET_RULES_AFTER = 3;

  private CriuFailures() {}

  private static Rule rule(String regex, Function<Matcher, String> reason) {
    return new Rule(Pattern.compile(regex), reason);
  }

  /** The reason for the failure of {@code step} whose CRIU log is {@code log}. */
  static String explain(CheckpointStep step, List<String> log) {
    List<String> errors =
        log.stream()
            .map(ERROR::matcher)
            .filter(Matcher::find)
            .filter(m -> NOISE.stream().noneMatch(n -> n.matcher(m.group(2)).find()))
            .map(m -> m.group(1) + ": " + m.group(2))
            .collect(Collectors.toCollection(ArrayList::new));
    log.stream()
        .map(CLUE::matcher)
        .filter(Matcher::find)
        .forEach(m -> errors.add("criu: " + m.group(1)));
    for (int i = 0; i < RULES.size(); i++) {
      if (i == SOCKET_RULES_AFTER) {
        Optional<String> socket = networkSocket(log, errors);
        if (socket.isPresent()) {
          return socket.get();
        }
      }
      for (String error : errors) {
        Matcher m = RULES.get(i).pattern().matcher(error);
        if (m.find()) {
          return RULES.get(i).reason().apply(m);
        }
      }
    }
    if (!errors.isEmpty()) {
      String first = errors.get(0);
      return "CRIU could not "
          + step.word()
          + " the job: "
          + first.substring(first.indexOf(": ") + 2);
    }
    return "CRIU could not " + step.word() + " the job and logged no error";
  }

  /**
   * A socket of the internet families that CRIU fails on. CRIU 4.1 on recent kernels fails on every
   * such socket with a socket-option error logged right after "Searching for socket ... family 2"
   * (IPv4) or 10 (IPv6), so the family is what tells the user.
   */
  private static Optional<String> networkSocket(List<String> log, List<String> errors) {
    boolean socketError =
        errors.stream().anyMatch(e -> e.contains("sockets.c") || e.contains("sk-inet.c"));
    if (!socketError) {
      return Optional.empty();
    }
    for (int i = log.size() - 1; i >= 0; i--) {
      Matcher m = SOCKET_FAMILY.matcher(log.get(i));
      if (m.find()) {
        String family = m.group(2);
        if (family.equals("2") || family.equals("10")) {
          return Optional.of(
              "the job holds a network socket ("
                  + (family.equals("2") ? "IPv4" : "IPv6")
                  + ", for example a listening TCP port); network sockets are tied to the node's"
                  + " address and cannot move to another node");
        }
      }
    }
    return Optional.of("the job holds a socket that cannot be checkpointed");
  }
}
