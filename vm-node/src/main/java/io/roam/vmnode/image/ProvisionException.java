package io.roam.vmnode.image;

/** A domain's files could not be made; nothing of them is left behind. */
public class ProvisionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProvisionException(String message) {
    super(message);
  }

  public ProvisionException(String message, Throwable cause) {
    super(message, cause);
  }
}
