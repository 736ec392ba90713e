package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PeerAddressesTest {
  @Test
  void directReachesPeersWhereTheyAdvertise() {
    assertThat(PeerAddresses.direct().reach("127.0.0.1")).isEqualTo("127.0.0.1");
    assertThat(PeerAddresses.direct().reach("192.0.2.7")).isEqualTo("192.0.2.7");
  }

  @Test
  void insideAVmLoopbackPeersAreOnTheHost() {
    PeerAddresses p = PeerAddresses.hostLoopbackAt("10.0.2.2");
    assertThat(p.reach("127.0.0.1")).isEqualTo("10.0.2.2");
    assertThat(p.reach("127.0.3.4")).isEqualTo("10.0.2.2");
    assertThat(p.reach("localhost")).isEqualTo("10.0.2.2");
    assertThat(p.reach("192.0.2.7")).isEqualTo("192.0.2.7");
  }

  @Test
  void aBlankHostLoopbackIsRefused() {
    assertThatThrownBy(() -> PeerAddresses.hostLoopbackAt(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
