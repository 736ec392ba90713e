package io.roam.agent.migration;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.store.GridStore;
import io.roam.store.GuestStore;
import io.roam.store.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A cluster's guest limit, held with its guest ledger ({@link GuestStore}) instead of reading every
 * job of the grid per admitted guest. The count and the reservation are one compare-and-set on the
 * ledger: of two guests admitted at once (on one node or two) for the last place, one write fails
 * and that admission counts again, so the limit holds.
 *
 * <p>The ledger may keep guests that left (nobody tells it when a guest ends or moves on): only
 * when it shows the cluster full are its entries checked against their jobs' records (as many reads
 * as the limit), and those no longer here dropped. An entry whose job's record does not yet name
 * its node counts for {@code inFlight} after its admission (the migration under way); a failed
 * arrival is released at once.
 */
public final class GuestLedger {
  private final ClusterId cluster;
  private final GridStore store;
  private final GuestStore guests;
  private final Clock clock;
  private final Duration inFlight;

  public GuestLedger(
      ClusterId cluster, GridStore store, GuestStore guests, Clock clock, Duration inFlight) {
    this.cluster = cluster;
    this.store = store;
    this.guests = guests;
    this.clock = clock;
    this.inFlight = inFlight;
  }

  /**
   * Admits {@code job} (a job of another cluster) to {@code node} of this cluster for migration
   * {@code attempt} if the owner's {@code policy} allows it, and reserves its place.
   *
   * @return empty once admitted and reserved; otherwise why not
   */
  public Optional<String> admit(ClusterPolicy policy, JobRecord job, NodeId node, String attempt) {
    while (true) {
      Versioned<List<GuestStore.Entry>> ledger = current();
      List<GuestStore.Entry> others =
          ledger.value().stream().filter(e -> !e.job().equals(job.id())).toList();
      List<List<GuestStore.Entry>> counted = new ArrayList<>(List.of(others));
      Optional<String> refusal =
          GuestAdmission.refusal(
              cluster,
              policy,
              job.homeCluster(),
              () -> {
                if (others.size() >= policy.maxGuests()) {
                  counted.set(0, stillHere(others));
                }
                return counted.get(0).size();
              });
      List<GuestStore.Entry> kept = counted.get(0);
      if (refusal.isPresent()) {
        if (kept.size() < others.size()) {
          guests.compareAndSet(cluster, kept, ledger.version()); // tidying only: may lose a race
        }
        return refusal;
      }
      List<GuestStore.Entry> next = new ArrayList<>(kept);
      next.add(new GuestStore.Entry(job.id(), node, attempt, clock.instant()));
      if (guests.compareAndSet(cluster, next, ledger.version())) {
        return Optional.empty();
      }
      // Another admission (or a tidying) wrote first: count again.
    }
  }

  /** Gives back the place reserved for {@code job}'s migration {@code attempt} (it did not run). */
  public void release(JobId job, String attempt) {
    for (int tries = 0; tries < 5; tries++) {
      Optional<Versioned<List<GuestStore.Entry>>> ledger = guests.guests(cluster);
      if (ledger.isEmpty()) {
        return;
      }
      List<GuestStore.Entry> next =
          ledger.get().value().stream()
              .filter(e -> !(e.job().equals(job) && java.util.Objects.equals(e.attempt(), attempt)))
              .toList();
      if (next.size() == ledger.get().value().size()
          || guests.compareAndSet(cluster, next, ledger.get().version())) {
        return;
      }
    }
  }

  /** The ledger; started, the first time, from the guests running on the cluster now. */
  private Versioned<List<GuestStore.Entry>> current() {
    while (true) {
      Optional<Versioned<List<GuestStore.Entry>>> ledger = guests.guests(cluster);
      if (ledger.isPresent()) {
        return ledger.get();
      }
      Set<NodeId> ours =
          store.nodes().stream()
              .filter(n -> n.cluster().equals(cluster))
              .map(n -> n.id())
              .collect(Collectors.toSet());
      Instant now = clock.instant();
      List<GuestStore.Entry> found =
          store.jobs().stream()
              .filter(j -> j.state() == JobState.RUNNING)
              .filter(j -> ours.contains(j.node()) && !j.homeCluster().equals(cluster))
              .map(j -> new GuestStore.Entry(j.id(), j.node(), null, now))
              .toList();
      guests.create(cluster, found); // false: another node started it first, read that one
    }
  }

  /** The entries whose guests are still here, or still on their way here. */
  private List<GuestStore.Entry> stillHere(List<GuestStore.Entry> entries) {
    Instant now = clock.instant();
    List<GuestStore.Entry> kept = new ArrayList<>();
    for (GuestStore.Entry e : entries) {
      Optional<JobRecord> job = store.job(e.job()).map(Versioned::value);
      if (job.isEmpty() || job.get().state().terminal()) {
        continue;
      }
      boolean there = job.get().node().equals(e.node());
      boolean coming = e.attempt() != null && e.since().plus(inFlight).isAfter(now);
      if (there || coming) {
        kept.add(e);
      }
    }
    return kept;
  }
}
