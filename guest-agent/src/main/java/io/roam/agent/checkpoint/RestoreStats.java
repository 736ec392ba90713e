package io.roam.agent.checkpoint;

import java.time.Duration;

/**
 * What CRIU reports about one restore (its {@code stats-restore} file).
 *
 * @param forking time spent creating the tree's processes
 * @param restoring time from the start of the restore until the tree resumed
 * @param pagesRestored pages of memory read back from the images
 */
public record RestoreStats(Duration forking, Duration restoring, long pagesRestored) {}
