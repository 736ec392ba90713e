package io.roam.vmnode.image;

import io.roam.vmnode.spec.NodeIdentity;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The files on a node's seed disk, as the guest image reads them (images/guest/lib/roam-seed: a
 * disk labelled {@value #LABEL}): {@code roam.env} with {@code KEY=VALUE} lines and {@code
 * agent.secret}.
 */
public final class SeedFiles {
  /** The volume label the guest looks for. */
  public static final String LABEL = "ROAM-SEED";

  /** What the guest accepts in a value: no quoting, no expansion. */
  private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._:,/@-]+");

  private SeedFiles() {}

  /** File name → content. */
  public static Map<String, byte[]> of(NodeIdentity id) {
    StringBuilder env = new StringBuilder();
    line(env, "ROAM_NODE_ID", id.node().value());
    line(env, "ROAM_CLUSTER", id.cluster().value());
    line(env, "ROAM_ZK", id.zkConnect());
    line(env, "ROAM_GRID", id.grid());
    line(env, "ROAM_BIND", id.bind());
    line(env, "ROAM_ADVERTISE", id.advertise());
    line(env, "ROAM_HOSTNAME", id.node().value());
    if (id.migrationGuestPort() > 0 && id.migrationHostPort() > 0) {
      line(env, "ROAM_MIGRATION_PORT", Integer.toString(id.migrationGuestPort()));
      line(env, "ROAM_ADVERTISE_MIGRATION_PORT", Integer.toString(id.migrationHostPort()));
    }
    if (id.hostLoopback() != null) {
      line(env, "ROAM_HOST_LOOPBACK", id.hostLoopback());
    }
    if (id.zkSessionTimeout() != null) {
      line(env, "ROAM_ZK_SESSION_TIMEOUT_MS", Long.toString(id.zkSessionTimeout().toMillis()));
    }
    if (id.transferTimeout() != null) {
      line(env, "ROAM_TRANSFER_TIMEOUT_S", Long.toString(id.transferTimeout().toSeconds()));
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("roam.env", env.toString().getBytes(StandardCharsets.UTF_8));
    files.put("agent.secret", (id.secret() + "\n").getBytes(StandardCharsets.UTF_8));
    return files;
  }

  private static void line(StringBuilder env, String key, String value) {
    if (!VALUE.matcher(value).matches()) {
      throw new ProvisionException(
          key
              + " '"
              + value
              + "' has characters the guest does not accept (letters, digits, ._:,/@-)");
    }
    env.append(key).append('=').append(value).append('\n');
  }
}
