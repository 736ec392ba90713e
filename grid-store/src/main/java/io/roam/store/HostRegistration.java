package io.roam.store;

import io.roam.common.model.HostRecord;
import java.io.Closeable;

/**
 * A host's presence in the grid: an ephemeral record that is recreated if the session is lost and
 * comes back, and that vanishes when vm-node stops or dies.
 */
public interface HostRegistration extends Closeable {
  HostRecord host();

  /** Replaces the published record (same host id). */
  void update(HostRecord host);

  @Override
  void close();
}
