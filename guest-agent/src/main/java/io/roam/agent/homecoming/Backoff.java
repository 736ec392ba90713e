package io.roam.agent.homecoming;

import java.time.Duration;
import java.util.Random;

/**
 * How long to wait before trying again to reach a job's home: doubling from {@code first} up to
 * {@code max}, with a random part so that the nodes that waited for the same home do not all call
 * it at the same moment when it returns.
 */
public record Backoff(Duration first, Duration max) {
  public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5));

  public Backoff {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("a backoff needs 0 < first <= max");
    }
  }

  /** The wait after {@code failures} failed attempts (at least one): between half and all of it. */
  public Duration delay(int failures, Random random) {
    long full = first.toMillis();
    for (int i = 1; i < failures && full < max.toMillis(); i++) {
      full *= 2;
    }
    full = Math.min(full, max.toMillis());
    return Duration.ofMillis(full / 2 + (long) (random.nextDouble() * (full - full / 2)));
  }
}
