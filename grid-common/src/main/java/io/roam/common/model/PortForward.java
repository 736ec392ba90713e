package io.roam.common.model;

/**
 * A TCP port of a guest made reachable on the host's loopback address (127.0.0.1:hostPort →
 * guest:guestPort), through the VM's user-mode network.
 */
public record PortForward(int hostPort, int guestPort) {
  public PortForward {
    requirePort("host", hostPort);
    requirePort("guest", guestPort);
  }

  private static void requirePort(String side, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(side + " port " + port + " is not between 1 and 65535");
    }
  }
}
