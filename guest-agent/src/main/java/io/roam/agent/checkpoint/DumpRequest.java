package io.roam.agent.checkpoint;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What to dump and where.
 *
 * @param pid host pid of the job's root process (the first process of its PID namespace)
 * @param imagesDir an empty (or not yet existing) directory that receives the images and the log
 * @param parentImagesDir the images of an earlier pre-dump of the same tree, if any: only memory
 *     changed since is written, and the images dir links to it as {@code parent} by a relative path
 *     (so both directories must move together, keeping their relative places)
 * @param leaveStopped leave the tree stopped after a successful dump instead of killing it, so a
 *     migration can resume it here if it fails before its commit
 */
public record DumpRequest(
    long pid, Path imagesDir, Optional<Path> parentImagesDir, boolean leaveStopped) {
  public DumpRequest {
    if (pid <= 1) {
      throw new IllegalArgumentException("pid must be a process id above 1, got " + pid);
    }
    Objects.requireNonNull(imagesDir, "imagesDir");
    Objects.requireNonNull(parentImagesDir, "parentImagesDir");
    if (!imagesDir.isAbsolute()) {
      throw new IllegalArgumentException("imagesDir must be absolute: " + imagesDir);
    }
    if (parentImagesDir.isPresent() && !parentImagesDir.get().isAbsolute()) {
      throw new IllegalArgumentException(
          "parentImagesDir must be absolute: " + parentImagesDir.get());
    }
  }

  public static DumpRequest of(long pid, Path imagesDir) {
    return new DumpRequest(pid, imagesDir, Optional.empty(), false);
  }

  /** The same request, chained on the pre-dump in {@code parent}. */
  public DumpRequest after(Path parent) {
    return new DumpRequest(pid, imagesDir, Optional.of(parent), leaveStopped);
  }

  /** The same request, leaving the tree stopped after the dump. */
  public DumpRequest leavingStopped() {
    return new DumpRequest(pid, imagesDir, parentImagesDir, true);
  }
}
