package io.roam.vmnode.hypervisor;

/** The hypervisor refused or failed an operation; the message says which and why. */
public class HypervisorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HypervisorException(String message) {
    super(message);
  }

  public HypervisorException(String message, Throwable cause) {
    super(message, cause);
  }
}
