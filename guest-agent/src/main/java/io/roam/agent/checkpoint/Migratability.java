package io.roam.agent.checkpoint;

import java.util.List;

/**
 * Whether a job can be moved to another node, and if not, why, in words for its user.
 *
 * @param reasons empty when nothing known prevents the migration
 */
public record Migratability(List<String> reasons) {
  public Migratability {
    reasons = List.copyOf(reasons);
  }

  public static Migratability yes() {
    return new Migratability(List.of());
  }

  public boolean migratable() {
    return reasons.isEmpty();
  }
}
