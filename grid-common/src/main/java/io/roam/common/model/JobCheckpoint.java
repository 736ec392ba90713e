package io.roam.common.model;

import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.Objects;

/**
 * The latest checkpoint of a running job: a CRIU image and a copy of the job's files, taken at one
 * instant while the job was frozen, kept on a node of the job's home cluster.
 *
 * @param keptOn the node that holds it (the job's home node)
 * @param takenAt when the job was frozen for it
 * @param bytes size of the images and files kept
 * @param frozenMillis how long the job stood still for it (dump and copy of its files; an upper
 *     bound)
 */
public record JobCheckpoint(NodeId keptOn, Instant takenAt, long bytes, long frozenMillis) {
  public JobCheckpoint(NodeId keptOn, Instant takenAt, long bytes) {
    this(keptOn, takenAt, bytes, 0);
  }

  public JobCheckpoint {
    if (frozenMillis < 0) {
      throw new IllegalArgumentException("frozenMillis must not be negative");
    }
    Objects.requireNonNull(keptOn, "keptOn");
    Objects.requireNonNull(takenAt, "takenAt");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, not " + bytes);
    }
  }
}
