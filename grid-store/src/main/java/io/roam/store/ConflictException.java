package io.roam.store;

/** A write that cannot happen because of what is already stored (a name taken, a stale version). */
public final class ConflictException extends StoreException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }
}
