package io.roam.common.lifecycle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Closes what a component started, last started first, once; a part that fails to close does not
 * keep the others open. A component registers each part as it starts it, so a start that fails
 * half-way and a normal stop undo exactly what was done.
 */
public final class Closer implements AutoCloseable {
  private final Deque<AutoCloseable> parts = new ArrayDeque<>();
  private final List<Exception> failures = new ArrayList<>();

  /** Remembers {@code part} for {@link #close()}; returns it, for use in assignments. */
  public synchronized <T extends AutoCloseable> T register(T part) {
    parts.push(part);
    return part;
  }

  /** Closes every registered part, most recent first. */
  @Override
  public synchronized void close() {
    while (!parts.isEmpty()) {
      try {
        parts.pop().close();
      } catch (Exception e) {
        failures.add(e);
      }
    }
  }

  /** What failed to close so far (for logging). */
  public synchronized List<Exception> failures() {
    return List.copyOf(failures);
  }
}
