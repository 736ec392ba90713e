package io.roam.agent.checkpoint;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A job tree restored and running.
 *
 * @param rootPid host pid of the restored root process (PID 1 of its new PID namespace)
 * @param handle the process that parents the restored root (the attached {@code criu restore}): it
 *     ends when the job's root ends, with status 0 whatever the job's own status (the launch recipe
 *     writes that into {@code exit-status}); {@link Process#destroyForcibly()} kills the job, as it
 *     does on the launcher of a freshly started job, while {@link Process#destroy()} (SIGTERM) is
 *     ignored by both
 * @param log CRIU's log of the restore
 * @param stats CRIU's own figures
 * @param elapsed wall time from the request until the tree ran
 */
public record RestoredJob(
    long rootPid, Process handle, Path log, RestoreStats stats, Duration elapsed) {}
