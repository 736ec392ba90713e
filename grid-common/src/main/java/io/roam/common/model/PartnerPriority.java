package io.roam.common.model;

import io.roam.common.id.ClusterId;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * How much a host cluster wants a guest cluster's jobs, by the host owner's {@link ClusterPolicy}:
 * wherever the grid chooses among clusters for a job, it keeps the clusters that give the job's
 * home cluster the highest priority. Pure.
 */
public final class PartnerPriority {
  /** A cluster's own jobs rank above any partner's. */
  public static final int OWN = 101;

  private PartnerPriority() {}

  /**
   * The priority {@code host} gives jobs of {@code guestHome}; empty when it takes none of them (no
   * guests at all, or that partner blocked). The guest limit is not counted here: the host's agent
   * checks it with its live count when the job arrives.
   */
  public static OptionalInt of(ClusterId host, ClusterPolicy hostPolicy, ClusterId guestHome) {
    if (host.equals(guestHome)) {
      return OptionalInt.of(OWN);
    }
    if (!Boolean.TRUE.equals(hostPolicy.acceptGuests())) {
      return OptionalInt.empty();
    }
    for (ClusterPolicy.PartnerRule p : hostPolicy.partners()) {
      if (guestHome.value().equals(p.cluster())) {
        return Boolean.TRUE.equals(p.blocked())
            ? OptionalInt.empty()
            : OptionalInt.of(p.priority());
      }
    }
    return OptionalInt.of(ClusterPolicy.DEFAULT_PRIORITY);
  }

  /**
   * The candidates whose priority is the highest, in their given order; none of those that are
   * blocked (empty priority).
   */
  public static <T> List<T> preferred(List<T> candidates, Function<T, OptionalInt> priority) {
    Objects.requireNonNull(priority, "priority");
    int best = Integer.MIN_VALUE;
    for (T c : candidates) {
      OptionalInt p = priority.apply(c);
      if (p.isPresent()) {
        best = Math.max(best, p.getAsInt());
      }
    }
    int top = best;
    return candidates.stream()
        .filter(
            c -> {
              OptionalInt p = priority.apply(c);
              return p.isPresent() && p.getAsInt() == top;
            })
        .toList();
  }
}
