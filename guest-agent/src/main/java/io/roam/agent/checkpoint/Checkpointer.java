package io.roam.agent.checkpoint;

/**
 * Checkpoints a job's process tree into image files and restores it from them: the adapter the
 * migration code uses, with a real implementation ({@link CriuCheckpointer}) and a fake one ({@link
 * FakeCheckpointer}).
 *
 * <p>The tree to checkpoint is a job as the launcher starts it: the first process of its own PID
 * namespace and session, with its own stdio files and no inherited descriptors (see
 * docs/design/checkpoint.md). Every path handed over is an absolute path as the checkpointer's
 * process sees it.
 */
public interface Checkpointer {

  /**
   * Tells, cheaply and without stopping it, whether the tree rooted at {@code pid} holds anything
   * known to prevent its migration. A migratable answer is not a promise: a dump may still fail,
   * and its {@link CheckpointException} then says why.
   */
  Migratability check(long pid);

  /**
   * Whether {@link #preDump} works here: it needs the kernel to track the memory a process dirties
   * (soft-dirty bits). Without it a migration is a single {@link #dump}.
   */
  boolean supportsPreDump();

  /**
   * Copies the tree's memory into {@code request.imagesDir()} while it runs, so that the final dump
   * only writes what changed since. The tree is stopped only for an instant and keeps running.
   */
  DumpResult preDump(DumpRequest request) throws CheckpointException;

  /**
   * Freezes the tree, writes its whole state into {@code request.imagesDir()} and kills it. If the
   * dump fails the tree is resumed and goes on running, untouched, and the exception says why.
   */
  DumpResult dump(DumpRequest request) throws CheckpointException;

  /**
   * Restores the tree dumped in {@code request.imagesDir()} and returns once it runs. The restored
   * tree lands in the caller's cgroups. On failure nothing of the tree is left running.
   */
  RestoredJob restore(RestoreRequest request) throws CheckpointException;
}
