package io.roam.manager.zk;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.random.RandomGenerator;

/**
 * Free loopback ports for servers this process starts itself. A port the kernel hands out for
 * bind(0) comes from its ephemeral range, which outgoing connections draw from too: one of them may
 * take it between the check and the server's own bind ("address in use" at start). These ports are
 * taken below that range instead, and checked free.
 */
public final class LoopbackPorts {
  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  // Linux's default low end of the ephemeral range.
  private static final int DEFAULT_LOW = 32_768;
  // How far below the range ports are taken from.
  static final int SPAN = 12_000;
  private static final int ATTEMPTS = 200;

  private LoopbackPorts() {}

  /** A port free on the loopback address now, below the kernel's ephemeral range. */
  public static int free() throws IOException {
    return free(ephemeralLow(RANGE), RandomGenerator.getDefault());
  }

  static int free(int below, RandomGenerator random) throws IOException {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = below - SPAN + random.nextInt(SPAN);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException(
        "no free loopback port between "
            + (below - SPAN)
            + " and "
            + below
            + " (tried "
            + ATTEMPTS
            + ")");
  }

  /**
   * The lowest port the kernel hands out for outgoing connections, as {@code range} says; the
   * default when it cannot be read or leaves too little room below it.
   */
  static int ephemeralLow(Path range) {
    try {
      int low = Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
      return low > SPAN + 1_024 ? low : DEFAULT_LOW;
    } catch (IOException | RuntimeException e) {
      return DEFAULT_LOW;
    }
  }
}
