package io.roam.manager.agents;

/** An agent answered with an error; its status and its reason. */
public final class AgentRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public AgentRefusedException(int status, String detail) {
    super(detail);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
