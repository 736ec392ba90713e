package io.roam.agent.migration;

import io.roam.common.model.NodeRecord;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where this node reaches a peer's migration port. Nodes advertise the address the grid reaches
 * them at; for a node inside a VM with user-mode networking, a peer that advertises a loopback
 * address is on the VM's host, whose loopback the guest sees at another address (10.0.2.2 for
 * QEMU): the peer's port is forwarded there.
 */
public final class PeerAddresses {
  private static final PeerAddresses DIRECT = new PeerAddresses(null);

  private final String hostLoopback;

  private PeerAddresses(String hostLoopback) {
    this.hostLoopback = hostLoopback;
  }

  /** Peers are reached at the address they advertise. */
  public static PeerAddresses direct() {
    return DIRECT;
  }

  /** Peers advertising a loopback address are reached at {@code hostLoopback} instead. */
  public static PeerAddresses hostLoopbackAt(String hostLoopback) {
    Objects.requireNonNull(hostLoopback, "hostLoopback");
    if (hostLoopback.isBlank()) {
      throw new IllegalArgumentException("the host's loopback address must not be blank");
    }
    return new PeerAddresses(hostLoopback);
  }

  /** The address a peer advertised, as this node reaches it. */
  public String reach(String advertised) {
    if (hostLoopback != null && isLoopback(advertised)) {
      return hostLoopback;
    }
    return advertised;
  }

  /** A peer's migration port (also its gossip port, UDP), as this node reaches it. */
  public InetSocketAddress migration(NodeRecord peer) {
    return new InetSocketAddress(reach(peer.address()), peer.migrationPort());
  }

  static boolean isLoopback(String address) {
    return address.equals("localhost") || address.startsWith("127.") || address.equals("::1");
  }

  @Override
  public String toString() {
    return hostLoopback == null ? "direct" : "loopback via " + hostLoopback;
  }
}
