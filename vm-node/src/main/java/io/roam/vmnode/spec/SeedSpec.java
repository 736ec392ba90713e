package io.roam.vmnode.spec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The read-only seed disk: an ISO 9660 volume labelled {@code ROAM-SEED} that carries the node's
 * identity in the layout the guest image reads ({@code roam.env}, {@code agent.secret}).
 */
public record SeedSpec(Path iso, NodeIdentity identity) {
  public SeedSpec {
    Objects.requireNonNull(iso, "iso");
    Objects.requireNonNull(identity, "identity");
  }
}
