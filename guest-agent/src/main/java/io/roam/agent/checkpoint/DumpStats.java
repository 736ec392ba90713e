package io.roam.agent.checkpoint;

import java.time.Duration;

/**
 * What CRIU reports about one dump or pre-dump (its {@code stats-dump} file).
 *
 * @param freezing time spent stopping the tree
 * @param frozen time the tree stayed stopped (for a pre-dump: only while its memory was grabbed)
 * @param memDump time spent collecting memory
 * @param memWrite time spent writing memory into the images
 * @param pagesScanned pages looked at
 * @param pagesSkippedParent pages not written because an earlier pre-dump holds them unchanged
 * @param pagesWritten pages written into this images dir
 */
public record DumpStats(
    Duration freezing,
    Duration frozen,
    Duration memDump,
    Duration memWrite,
    long pagesScanned,
    long pagesSkippedParent,
    long pagesWritten) {}
