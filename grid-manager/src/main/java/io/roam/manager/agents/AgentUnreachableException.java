package io.roam.manager.agents;

/** An agent could not be reached. */
public final class AgentUnreachableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AgentUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
