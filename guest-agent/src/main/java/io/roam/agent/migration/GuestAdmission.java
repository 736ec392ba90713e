package io.roam.agent.migration;

import io.roam.common.id.ClusterId;
import io.roam.common.model.ClusterPolicy;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * Whether a cluster takes a guest, by its owner's policy: guests at all, from that cluster, and how
 * many at once. A cluster's own jobs always come home. Pure: the caller counts the guests.
 */
public final class GuestAdmission {
  private GuestAdmission() {}

  /** Empty to admit; otherwise why not, in the owner's terms. */
  public static Optional<String> refusal(
      ClusterId self, ClusterPolicy policy, ClusterId guestHome, int guestsNow) {
    return refusal(self, policy, guestHome, () -> guestsNow);
  }

  /**
   * As above; the guests are counted only if the rest of the policy admits the job, since counting
   * them reads the grid's store.
   */
  public static Optional<String> refusal(
      ClusterId self, ClusterPolicy policy, ClusterId guestHome, IntSupplier guestsNow) {
    if (guestHome.equals(self)) {
      return Optional.empty();
    }
    if (!Boolean.TRUE.equals(policy.acceptGuests())) {
      return Optional.of("cluster " + self + " accepts no guests (its owner's policy)");
    }
    boolean blocked =
        policy.partners().stream()
            .anyMatch(
                p -> guestHome.value().equals(p.cluster()) && Boolean.TRUE.equals(p.blocked()));
    if (blocked) {
      return Optional.of("cluster " + self + " takes no guests from cluster " + guestHome);
    }
    int guests = guestsNow.getAsInt();
    if (guests >= policy.maxGuests()) {
      return Optional.of(
          "cluster "
              + self
              + " hosts "
              + guests
              + " guest(s) already, the most its owner allows ("
              + policy.maxGuests()
              + ")");
    }
    return Optional.empty();
  }
}
