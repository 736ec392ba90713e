package io.roam.vmnode.spec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The domain's system disk: a copy-on-write qcow2 overlay (its own, deleted with the domain) over a
 * shared, read-only base image that must match its SHA-256.
 */
public record DiskSpec(Path overlay, Path baseImage, String baseSha256) {
  public DiskSpec {
    Objects.requireNonNull(overlay, "overlay");
    Objects.requireNonNull(baseImage, "baseImage");
    Objects.requireNonNull(baseSha256, "baseSha256");
  }
}
