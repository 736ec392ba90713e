package io.roam.vmnode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Checks {@code --forward-address}: the host address the guests' port forwards bind to, which the
 * guests advertise to the grid. It must be an IPv4 literal (QEMU's user-mode {@code hostfwd} takes
 * one, and guests advertise it verbatim, so a name would mean nothing to peers), a single address
 * (not the wildcard, which peers cannot reach), and one of this host's (QEMU cannot bind to
 * another's, and would fail only when a guest starts).
 */
public final class ForwardAddress {
  public static final String DEFAULT = "127.0.0.1";

  private static final String IPV4 =
      "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}";

  private ForwardAddress() {}

  /** Why {@code address} cannot be the forward address; empty when it can. */
  public static Optional<String> problem(String address) {
    if (address == null || address.isBlank()) {
      return Optional.of("--forward-address must not be empty (default " + DEFAULT + ")");
    }
    String prefix = "--forward-address '" + address + "' ";
    if (!address.matches(IPV4)) {
      return Optional.of(
          prefix
              + "is not an IPv4 address: QEMU's port forwards bind to an IPv4 address, and guests"
              + " advertise it verbatim (e.g. 192.168.10.11, this host's address on the grid"
              + " network)");
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(address); // a literal: no name look-up
    } catch (UnknownHostException e) {
      return Optional.of(prefix + "is not an address: " + e.getMessage());
    }
    if (a.isAnyLocalAddress()) {
      return Optional.of(
          prefix
              + "is the wildcard: guests advertise this address, and peers cannot reach 0.0.0.0;"
              + " give this host's address on the grid network");
    }
    if (a.isMulticastAddress() || address.equals("255.255.255.255")) {
      return Optional.of(prefix + "is not a unicast address");
    }
    // All of 127/8 is this host's on Linux, though only 127.0.0.1 is on an interface.
    if (a.isLoopbackAddress()) {
      return Optional.empty();
    }
    try {
      if (a instanceof Inet4Address && NetworkInterface.getByInetAddress(a) != null) {
        return Optional.empty();
      }
    } catch (SocketException e) {
      return Optional.of(prefix + "cannot be checked against this host's interfaces: " + e);
    }
    return Optional.of(
        prefix
            + "is not an address of this host (none of its interfaces has it): QEMU could not"
            + " bind the guests' port forwards to it");
  }
}
