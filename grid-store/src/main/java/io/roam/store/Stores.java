package io.roam.store;

/** Shared failure wording of the Curator-backed stores. */
final class Stores {
  private Stores() {}

  static StoreException failure(String what, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    return new StoreException("could not " + what + ": " + e, e);
  }
}
