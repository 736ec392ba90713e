package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One VM the grid manager wants on a host: the node it becomes, its size, the base image it boots
 * from (named inside the host's images directory and pinned by its SHA-256), and the guest ports
 * forwarded to the host's loopback address.
 *
 * @param image file name of the base image in the host's images directory (no path)
 * @param imageSha256 lower-case hex SHA-256 of that file; a base image that does not match is
 *     refused
 * @param ports guest ports forwarded to 127.0.0.1 on the host; the first is the agent's API port
 *     (the guest agent binds its guest port; the grid reaches it at 127.0.0.1:hostPort)
 * @param boot a kernel and initrd to boot directly; null to boot from the image's own boot loader
 */
public record DesiredDomain(
    NodeId node,
    ClusterId cluster,
    int vcpus,
    long memoryMib,
    String image,
    String imageSha256,
    List<PortForward> ports,
    DirectBoot boot) {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  @JsonCreator
  public DesiredDomain {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cluster, "cluster");
    if (vcpus < 1 || vcpus > 256) {
      throw new IllegalArgumentException(
          "node " + node + ": vcpus " + vcpus + " is not between 1 and 256");
    }
    if (memoryMib < 64 || memoryMib > 4L * 1024 * 1024) {
      throw new IllegalArgumentException(
          "node " + node + ": memory " + memoryMib + " MiB is not between 64 MiB and 4 TiB");
    }
    if (image == null || !FILE_NAME.matcher(image).matches() || image.contains("..")) {
      throw new IllegalArgumentException(
          "node " + node + ": image '" + image + "' is not a plain file name");
    }
    if (imageSha256 == null || !SHA256.matcher(imageSha256).matches()) {
      throw new IllegalArgumentException(
          "node " + node + ": imageSha256 must be 64 lower-case hex digits");
    }
    ports = ports == null ? List.of() : List.copyOf(ports);
    if (ports.isEmpty()) {
      throw new IllegalArgumentException(
          "node " + node + ": ports must list at least the agent's API port (the first)");
    }
  }

  /** A domain that boots from its image's own boot loader. */
  public DesiredDomain(
      NodeId node,
      ClusterId cluster,
      int vcpus,
      long memoryMib,
      String image,
      String imageSha256,
      List<PortForward> ports) {
    this(node, cluster, vcpus, memoryMib, image, imageSha256, ports, null);
  }
}
