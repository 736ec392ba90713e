package io.roam.common.api;

import io.roam.common.model.OperationRecord;

/**
 * Options of an attach, expel or bring (the body is optional).
 *
 * @param parallel how many migrations may run at once (1 to {@link OperationRecord#MAX_PARALLEL});
 *     null for the manager's configured number
 */
public record OperationRequest(Integer parallel) {
  /** The manager's configured parallelism. */
  public static final OperationRequest DEFAULTS = new OperationRequest(null);

  public OperationRequest {
    OperationRecord.checkParallel(parallel);
  }
}
