package io.roam.common.api;

import io.roam.common.model.OperationRecord;

/**
 * Asks to detach a cluster.
 *
 * @param deadlineSeconds how long the owner gives it; null or 0 for no deadline
 * @param onDeadline at the deadline: keep waiting for jobs that cannot move, or fail the operation
 *     (nothing is ever killed either way)
 * @param parallel how many migrations may run at once (1 to {@link OperationRecord#MAX_PARALLEL});
 *     null for the manager's configured number
 */
public record DetachRequest(
    Long deadlineSeconds, OperationRecord.OnDeadline onDeadline, Integer parallel) {
  /** A detach at the manager's configured parallelism. */
  public DetachRequest(Long deadlineSeconds, OperationRecord.OnDeadline onDeadline) {
    this(deadlineSeconds, onDeadline, null);
  }

  public DetachRequest {
    OperationRecord.checkParallel(parallel);
    if (deadlineSeconds != null && (deadlineSeconds < 0 || deadlineSeconds > 30L * 24 * 3600)) {
      throw new IllegalArgumentException("deadlineSeconds must be between 0 and 30 days");
    }
    if (onDeadline != null && (deadlineSeconds == null || deadlineSeconds == 0)) {
      throw new IllegalArgumentException("onDeadline makes sense only with a deadline");
    }
  }
}
