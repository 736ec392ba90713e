package io.roam.store;

import io.roam.common.id.HostId;
import io.roam.common.model.HostDesiredState;
import io.roam.common.model.HostRecord;
import java.io.Closeable;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Hosts (machines running vm-node) and the VMs the grid manager wants on each. Live hosts are
 * ephemeral records; desired states are persistent and written by the manager.
 */
public interface HostStore {

  /** Publishes a live host until the registration is closed or the session ends. */
  HostRegistration registerHost(HostRecord host);

  Optional<HostRecord> host(HostId id);

  List<HostRecord> hosts();

  /** The desired state of a host, with the version that guards its next change. */
  Optional<Versioned<HostDesiredState>> desiredState(HostId id);

  /** Writes (creates or replaces) the desired state of a host. */
  void putDesiredState(HostId id, HostDesiredState state);

  /** Removes the desired state of a host: it should then run no Roam VM. */
  void deleteDesiredState(HostId id);

  /**
   * Watches the desired state of a host. The listener is called once the current value is known
   * (empty when there is no znode), then whenever the stored value changes (successive writes may
   * coalesce into one call), on a single thread. A payload that cannot be decoded is logged and not
   * delivered, so a bad write never reads as "no VMs wanted".
   */
  Closeable watchDesiredState(HostId id, Consumer<Optional<HostDesiredState>> listener);
}
