package io.roam.agent.launch;

import io.roam.common.id.JobId;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a job the way CRIU can later move it: as the first process of its own PID namespace and
 * session, inheriting no descriptors, its stdio going to files opened inside the namespace, and a
 * small shell around it that records the exit status in the job's directory (so the status survives
 * a migration; criu restore does not hand it back).
 *
 * <p>Without root, PID namespaces are not available: the job still gets its own session and files,
 * but cannot be migrated.
 */
public final class NamespaceLauncher implements JobLauncher {
  /** $0 is the job directory; the remaining arguments are the user's command. */
  static final String WRAPPER =
      "exec </dev/null >\"$0/stdout\" 2>\"$0/stderr\"; cd \"$0/work\" || exit 126; \"$@\"; echo $?"
          + " > \"$0/exit-status\"";

  public static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final boolean pidNamespace;
  private final Map<String, String> baseEnvironment;
  private final List<String> prefix;

  /**
   * @param pidNamespace start each job in a PID namespace of its own (needs root)
   * @param baseEnvironment the environment every job starts with (PATH, LANG...)
   */
  public NamespaceLauncher(boolean pidNamespace, Map<String, String> baseEnvironment) {
    this(pidNamespace, baseEnvironment, List.of());
  }

  /**
   * @param prefix words before the launch command, e.g. a {@link JobCgroup#prefix} that starts
   *     every job in the node's jobs cgroup
   */
  public NamespaceLauncher(
      boolean pidNamespace, Map<String, String> baseEnvironment, List<String> prefix) {
    this.pidNamespace = pidNamespace;
    this.baseEnvironment = Map.copyOf(baseEnvironment);
    this.prefix = List.copyOf(prefix);
  }

  /** PID namespaces when running as root; the agent's own PATH and locale. */
  public static NamespaceLauncher forThisProcess() {
    return forThisProcess(List.of());
  }

  /** As {@link #forThisProcess()}, each job started after {@code prefix}. */
  public static NamespaceLauncher forThisProcess(List<String> prefix) {
    boolean root = "root".equals(System.getProperty("user.name"));
    String path = System.getenv().getOrDefault("PATH", DEFAULT_PATH);
    String lang = System.getenv().getOrDefault("LANG", "C.UTF-8");
    return new NamespaceLauncher(root, Map.of("PATH", path, "LANG", lang), prefix);
  }

  public boolean pidNamespace() {
    return pidNamespace;
  }

  @Override
  public LaunchedJob launch(JobId job, List<String> command, JobDir dir) {
    String program = command.get(0);
    String path = baseEnvironment.getOrDefault("PATH", DEFAULT_PATH);
    if (!resolvable(program, path)) {
      throw new LaunchException(
          "command '" + program + "' not found: no executable of that name in the node's PATH");
    }
    try {
      Files.createDirectories(dir.work());
    } catch (IOException e) {
      throw new LaunchException("cannot create the job's directory " + dir.root() + ": " + e, e);
    }
    List<String> argv = new ArrayList<>(prefix);
    if (pidNamespace) {
      argv.addAll(List.of("unshare", "--pid", "--fork", "--kill-child"));
    }
    argv.addAll(List.of("setsid", "sh", "-c", WRAPPER, dir.root().toString()));
    argv.addAll(command);

    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.directory(dir.root().toFile());
    pb.environment().clear();
    pb.environment().putAll(baseEnvironment);
    pb.environment().put("HOME", dir.work().toString());
    pb.environment().put("ROAM_JOB_ID", job.value());
    // The launcher's own stdio goes nowhere near the job's files; the wrapper replaces 0-2.
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    try {
      return new ProcessJob(pb.start(), pidNamespace);
    } catch (IOException e) {
      throw new LaunchException("cannot start job " + job + ": " + e.getMessage(), e);
    }
  }

  private static boolean resolvable(String program, String path) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program)) || !Path.of(program).isAbsolute();
    }
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
