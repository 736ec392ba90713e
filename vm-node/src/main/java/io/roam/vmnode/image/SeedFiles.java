package io.roam.vmnode.image;

import io.roam.vmnode.spec.NodeIdentity;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files on a node's seed disk (cloud-init NoCloud layout): {@code meta-data}, {@code
 * user-data}, and {@code roam/node.properties} for images that read the disk themselves. The
 * user-data writes the same properties to /etc/roam/node.properties (mode 0600) in the guest.
 */
public final class SeedFiles {
  private SeedFiles() {}

  /** File name (relative, '/'-separated) → content. */
  public static Map<String, byte[]> of(String instanceId, NodeIdentity id) {
    String props = properties(id);
    String metaData =
        "instance-id: " + instanceId + "\n" + "local-hostname: " + id.node().value() + "\n";
    String userData =
        "#cloud-config\n"
            + "write_files:\n"
            + "  - path: /etc/roam/node.properties\n"
            + "    permissions: '0600'\n"
            + "    encoding: b64\n"
            + "    content: "
            + Base64.getEncoder().encodeToString(props.getBytes(StandardCharsets.UTF_8))
            + "\n";
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("meta-data", metaData.getBytes(StandardCharsets.UTF_8));
    files.put("user-data", userData.getBytes(StandardCharsets.UTF_8));
    files.put("roam/node.properties", props.getBytes(StandardCharsets.UTF_8));
    return files;
  }

  static String properties(NodeIdentity id) {
    StringBuilder s = new StringBuilder("# Roam node identity, written by vm-node\n");
    s.append("roam.node=").append(id.node().value()).append('\n');
    s.append("roam.cluster=").append(id.cluster().value()).append('\n');
    s.append("roam.grid=").append(id.grid()).append('\n');
    s.append("roam.zk=").append(escape(id.zkConnect())).append('\n');
    id.credentials().ifPresent(c -> s.append("roam.credentials=").append(escape(c)).append('\n'));
    return s.toString();
  }

  /** Escapes a value for java.util.Properties. */
  private static String escape(String v) {
    StringBuilder out = new StringBuilder();
    for (char c : v.toCharArray()) {
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '=', ':', '#', '!' -> out.append('\\').append(c);
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
