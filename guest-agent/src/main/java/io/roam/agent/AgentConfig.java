package io.roam.agent;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.placement.GossipWindow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A validated agent configuration.
 *
 * @param bind the address its API listens on
 * @param advertise the address others reach it at (differs from bind behind port forwarding)
 * @param port API port; 0 picks a free one
 * @param secret the grid's agent secret, shared with the managers
 * @param migrationPort port for incoming migrations; 0 picks a free one
 * @param maxMigrationBytes largest job (files and process image) this node accepts
 * @param balance whether this node moves its jobs by itself when another node would finish them
 *     sooner (it always gossips its load)
 * @param advertisePort the API port others reach it at; 0: the port it listens on (they differ
 *     behind port forwarding, e.g. inside a VM)
 * @param advertiseMigrationPort the migration port others reach it at; 0: the one it listens on
 * @param hostLoopback where this node reaches its host's loopback address (10.0.2.2 inside a VM
 *     with QEMU's user-mode network), for peers that advertise a loopback address; null when peers
 *     are reached at the address they advertise
 * @param jobsCgroups the cgroup its jobs run in (one directory per hierarchy; empty for none),
 *     whose memory limit bounds the memory it reports
 * @param transferTimeout how long a migration, checkpoint or homecoming transfer may make no
 *     progress (connecting, one read, one write) before it is given up: a migration then resumes
 *     the job here. Not a bound on a whole transfer, which takes long for a big job.
 * @param gossipWindow load entries per gossip message (its own and the freshest it knows), 1 to
 *     {@link GossipWindow#MAX}; fewer make the load information older (mean age about (N-1)/W steps
 *     on N nodes)
 */
public record AgentConfig(
    NodeId node,
    ClusterId cluster,
    String zookeeper,
    String grid,
    String bind,
    String advertise,
    int port,
    Path stateDir,
    String secret,
    int cores,
    long memoryBytes,
    double speed,
    boolean sandboxed,
    Duration sessionTimeout,
    int migrationPort,
    long maxMigrationBytes,
    boolean balance,
    int advertisePort,
    int advertiseMigrationPort,
    String hostLoopback,
    List<Path> jobsCgroups,
    Duration transferTimeout,
    int gossipWindow) {

  /** The default {@link #transferTimeout}: a slow VM's dump may keep the target waiting 25 s. */
  public static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(60);

  /** The default {@link #gossipWindow}. */
  public static final int GOSSIP_WINDOW = 20;

  public AgentConfig {
    jobsCgroups = jobsCgroups == null ? List.of() : List.copyOf(jobsCgroups);
    List<String> errors = new ArrayList<>();
    if (zookeeper == null || zookeeper.isBlank()) {
      errors.add("--zk is required (host:port[,host:port...] of the grid's ZooKeeper)");
    }
    if (port < 0 || port > 65535) {
      errors.add("--port must be between 0 and 65535, not " + port);
    }
    if (advertisePort < 0 || advertisePort > 65535) {
      errors.add("--advertise-port must be between 0 and 65535, not " + advertisePort);
    }
    if (advertiseMigrationPort < 0 || advertiseMigrationPort > 65535) {
      errors.add(
          "--advertise-migration-port must be between 0 and 65535, not " + advertiseMigrationPort);
    }
    if (hostLoopback != null && !hostLoopback.matches("[A-Za-z0-9.:\\-]+")) {
      errors.add("--host-loopback '" + hostLoopback + "' is not an address");
    }
    if (migrationPort < 0 || migrationPort > 65535) {
      errors.add("--migration-port must be between 0 and 65535, not " + migrationPort);
    }
    if (maxMigrationBytes < 1) {
      errors.add("--max-migration-mb must be positive");
    }
    if (cores < 1) {
      errors.add("--cores must be at least 1, not " + cores);
    }
    if (memoryBytes < 1) {
      errors.add("--memory must be positive");
    }
    if (!(speed > 0)) {
      errors.add("--speed must be positive, not " + speed);
    }
    if (secret == null || secret.length() < 16) {
      errors.add("the agent secret must hold at least 16 characters (--secret-file)");
    }
    if (transferTimeout == null) {
      transferTimeout = TRANSFER_TIMEOUT;
    } else if (transferTimeout.toMillis() < 1000 || transferTimeout.toSeconds() > 3600) {
      errors.add(
          "--transfer-timeout-s must be between 1 and 3600, not " + transferTimeout.toSeconds());
    }
    if (gossipWindow < 1 || gossipWindow > GossipWindow.MAX) {
      errors.add(
          "--gossip-window must be between 1 and " + GossipWindow.MAX + ", not " + gossipWindow);
    }
    if (sessionTimeout == null || sessionTimeout.toMillis() < 2000) {
      errors.add("the ZooKeeper session timeout must be at least 2 s");
    }
    Objects.requireNonNull(node, "--node-id is required");
    Objects.requireNonNull(cluster, "--cluster is required");
    Objects.requireNonNull(stateDir, "--state-dir is required");
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    advertise = advertise == null || advertise.isBlank() ? bind : advertise;
  }
}
