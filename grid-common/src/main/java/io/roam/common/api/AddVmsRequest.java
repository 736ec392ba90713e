package io.roam.common.api;

import io.roam.common.id.ClusterId;
import io.roam.common.model.DirectBoot;
import java.util.Objects;

/**
 * An owner asks for {@code count} more nodes of their cluster as VMs on a host, booted from a
 * verified image (and, optionally, a kernel and initrd booted directly).
 */
public record AddVmsRequest(
    ClusterId cluster,
    int count,
    int vcpus,
    long memoryMib,
    String image,
    String imageSha256,
    DirectBoot boot) {
  public AddVmsRequest {
    Objects.requireNonNull(cluster, "cluster is required");
    if (count < 1 || count > 64) {
      throw new IllegalArgumentException("count must be between 1 and 64, not " + count);
    }
  }
}
