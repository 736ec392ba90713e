package io.roam.gridctl.client;

/** A failure to report to the user in one line, with the exit code to leave with. */
public final class GridCtlException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int httpStatus;

  public GridCtlException(String message) {
    this(message, 0);
  }

  public GridCtlException(String message, int httpStatus) {
    super(message);
    this.httpStatus = httpStatus;
  }

  /** The HTTP status that caused it, or 0. */
  public int httpStatus() {
    return httpStatus;
  }
}
