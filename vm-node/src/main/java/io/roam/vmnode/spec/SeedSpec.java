package io.roam.vmnode.spec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The read-only seed disk: an ISO 9660 volume labelled {@code cidata} (cloud-init NoCloud) that
 * carries the node's identity, also as a plain {@code roam/node.properties} for images without
 * cloud-init.
 */
public record SeedSpec(Path iso, NodeIdentity identity) {
  public SeedSpec {
    Objects.requireNonNull(iso, "iso");
    Objects.requireNonNull(identity, "identity");
  }
}
