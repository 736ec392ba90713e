package io.roam.agent.load;

import io.roam.common.id.JobId;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The migrations this node has accepted and that do not run here yet: part of the load it reports
 * (senders should not see a node that is about to receive work as idle) and of what a target
 * consents with. An arrival is released when the job runs here or the migration fails.
 */
public final class Arrivals {
  /** What is on its way here: how many jobs, and the memory they will take. */
  public record Pending(int count, long memoryBytes) {
    public static final Pending NONE = new Pending(0, 0);
  }

  private final Map<String, Long> pending = new HashMap<>();

  /**
   * Accepts an arrival unless {@code check}, given what is on its way here already (this one not
   * included), says why not. Checking and counting are one step, so that two migrations offered at
   * once are not both admitted on the same figures.
   *
   * @param key the migration (job and attempt)
   * @return empty if accepted (release it later), otherwise the refusal
   */
  public synchronized Optional<String> admit(
      String key, long memoryBytes, Function<Pending, Optional<String>> check) {
    Optional<String> refusal = check.apply(now());
    if (refusal.isEmpty()) {
      pending.put(key, Math.max(0, memoryBytes));
    }
    return refusal;
  }

  /** The migration ended: its job runs here now (and is sampled as such) or it failed. */
  public synchronized void release(String key) {
    pending.remove(key);
  }

  public synchronized Pending now() {
    long memory = 0;
    for (long m : pending.values()) {
      memory += m;
    }
    return new Pending(pending.size(), memory);
  }

  /** The key of a migration of {@code job}. */
  public static String key(JobId job, String attempt) {
    return job.value() + "/" + attempt;
  }
}
