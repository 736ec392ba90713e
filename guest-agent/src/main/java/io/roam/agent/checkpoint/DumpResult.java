package io.roam.agent.checkpoint;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a dump or pre-dump produced.
 *
 * @param imagesDir where the images are
 * @param log CRIU's log of this action
 * @param stats CRIU's own figures (frozen time, pages)
 * @param elapsed wall time of the whole action, as the caller saw it
 * @param imageBytes bytes of image files in {@code imagesDir} (not counting its parents)
 */
public record DumpResult(
    Path imagesDir, Path log, DumpStats stats, Duration elapsed, long imageBytes) {}
