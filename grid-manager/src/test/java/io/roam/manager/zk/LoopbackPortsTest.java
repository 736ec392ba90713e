package io.roam.manager.zk;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopbackPortsTest {
  @TempDir Path temp;

  /** Draws the given offsets, in order. */
  private record Scripted(Deque<Integer> offsets) implements RandomGenerator {
    @Override
    public int nextInt(int bound) {
      return offsets.removeFirst();
    }

    @Override
    public long nextLong() {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void theEphemeralRangeLowEndIsReadFromTheKernelsSetting() throws Exception {
    Path range = Files.writeString(temp.resolve("range"), "40000\t60999\n");

    assertThat(LoopbackPorts.ephemeralLow(range)).isEqualTo(40_000);
  }

  @Test
  void anUnreadableOrTooLowRangeFallsBackToLinuxsDefault() throws Exception {
    assertThat(LoopbackPorts.ephemeralLow(temp.resolve("missing"))).isEqualTo(32_768);
    assertThat(LoopbackPorts.ephemeralLow(Files.writeString(temp.resolve("bad"), "x y")))
        .isEqualTo(32_768);
    assertThat(LoopbackPorts.ephemeralLow(Files.writeString(temp.resolve("low"), "2000 65535")))
        .isEqualTo(32_768);
  }

  @Test
  void aPortTakenAlreadyIsPassedOverForAFreeOne() throws Exception {
    int below = 40_000;
    try (ServerSocket held = new ServerSocket()) {
      held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), below - 100));
      int busy = LoopbackPorts.SPAN - 100;

      int port = LoopbackPorts.free(below, new Scripted(new ArrayDeque<>(List.of(busy, busy, 7))));

      assertThat(port).isEqualTo(below - LoopbackPorts.SPAN + 7);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)); // still free
      }
    }
  }

  @Test
  void freePortsLieBelowTheKernelsEphemeralRange() throws Exception {
    int low = LoopbackPorts.ephemeralLow(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));

    for (int i = 0; i < 20; i++) {
      assertThat(LoopbackPorts.free()).isBetween(low - LoopbackPorts.SPAN, low - 1);
    }
  }
}
