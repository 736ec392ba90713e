package io.roam.store;

/** A value read from the store with the version that guards its next change. */
public record Versioned<T>(T value, int version) {}
