package io.roam.store;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Each cluster's guest ledger: the guests its nodes admitted (running there, or on their way). It
 * is one record per cluster, so counting a cluster's guests is one read, and admitting one is a
 * compare-and-set on the ledger's version: two guests admitted at once cannot both take the last
 * place.
 */
public interface GuestStore {

  /**
   * A guest admitted by {@code node} for migration {@code attempt} (null: found running there when
   * the ledger was started) at {@code since}.
   */
  record Entry(JobId job, NodeId node, String attempt, Instant since) {}

  /** The ledger as stored, with its version; empty if the cluster has none yet. */
  Optional<Versioned<List<Entry>>> guests(ClusterId cluster);

  /**
   * Starts a cluster's ledger with {@code guests}.
   *
   * @return false if it exists already
   */
  boolean create(ClusterId cluster, List<Entry> guests);

  /**
   * Writes the ledger if its stored version is still {@code expectedVersion}.
   *
   * @return false if someone else changed it first
   */
  boolean compareAndSet(ClusterId cluster, List<Entry> guests, int expectedVersion);
}
