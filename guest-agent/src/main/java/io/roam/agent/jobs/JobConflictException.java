package io.roam.agent.jobs;

/** The request does not fit the job's current state. */
public final class JobConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobConflictException(String message) {
    super(message);
  }
}
