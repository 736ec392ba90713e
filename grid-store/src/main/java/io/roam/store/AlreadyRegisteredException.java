package io.roam.store;

/** Another live process holds the registration (a node or host id in use). */
public final class AlreadyRegisteredException extends StoreException {
  private static final long serialVersionUID = 1L;

  public AlreadyRegisteredException(String message) {
    super(message);
  }
}
