package io.roam.agent.launch;

/** A job could not be started; the message says why in a user's words. */
public final class LaunchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LaunchException(String message) {
    super(message);
  }

  public LaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
