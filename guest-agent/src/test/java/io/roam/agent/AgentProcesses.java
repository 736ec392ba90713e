package io.roam.agent;

import io.roam.common.id.NodeId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;

/**
 * Agents run as processes of their own, as a node runs its agent, for tests that kill or restart
 * them: each of cluster c1 in grid "t" on the tests' ZooKeeper, with the given secret file.
 */
public final class AgentProcesses implements AutoCloseable {
  private final TestingServer zk;
  private final Path secretFile;
  private final List<Process> started = new ArrayList<>();

  public AgentProcesses(TestingServer zk, Path secretFile) {
    this.zk = zk;
    this.secretFile = secretFile;
  }

  /**
   * Starts an agent for {@code node} keeping its state in {@code stateDir} and its output in {@code
   * log}.
   *
   * @param jvmOptions options for its JVM (system properties such as fault points)
   * @param args further agent arguments
   */
  public Process start(
      NodeId node, Path stateDir, Path log, List<String> jvmOptions, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            AgentMain.class.getName(),
            "--node-id",
            node.value(),
            "--cluster",
            "c1",
            "--zk",
            zk.getConnectString(),
            "--grid",
            "t",
            "--state-dir",
            stateDir.toString(),
            "--secret-file",
            secretFile.toString()));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(p);
    return p;
  }

  /** Stops every agent started: SIGTERM (its shutdown hook stops its jobs), SIGKILL after 20 s. */
  @Override
  public void close() throws InterruptedException {
    for (Process p : started) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
