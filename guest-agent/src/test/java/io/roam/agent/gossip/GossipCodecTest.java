package io.roam.agent.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GossipCodecTest {
  private final GossipCodec codec = new GossipCodec("grid-1");

  private static List<LoadEntry> window(int n) {
    List<LoadEntry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new LoadEntry(NodeId.of("c1-n" + i), i * 0.5, i, 1.5, 1L << 30, 4L << 30, i));
    }
    return out;
  }

  @Test
  void roundTripsAWindow() {
    byte[] bytes = codec.encode(NodeId.of("c1-n0"), window(20));
    GossipMessage m = codec.decode(bytes).orElseThrow();
    assertThat(m.grid()).isEqualTo("grid-1");
    assertThat(m.sender()).isEqualTo(NodeId.of("c1-n0"));
    assertThat(m.entries()).isEqualTo(window(20));
    assertThat(bytes.length).isLessThan(1400);
    assertThat(codec.refusals().total()).isZero();
  }

  @Test
  void refusesAndCountsForeignGridMessages() {
    byte[] bytes = new GossipCodec("other").encode(NodeId.of("x"), window(2));
    assertThat(codec.decode(bytes)).isEmpty();
    assertThat(codec.refusals()).isEqualTo(new GossipCodec.Refusals(0, 0, 1));
  }

  @Test
  void refusesAndCountsOversizedMessages() {
    GossipCodec small = new GossipCodec("grid-1", 256);
    byte[] bytes = codec.encode(NodeId.of("x"), window(20));
    assertThat(small.decode(bytes)).isEmpty();
    assertThat(small.refusals()).isEqualTo(new GossipCodec.Refusals(0, 1, 0));
    assertThatThrownBy(() -> small.encode(NodeId.of("x"), window(20)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesMalformedMessages() {
    byte[] good = codec.encode(NodeId.of("c1-n0"), window(3));
    assertThat(codec.decode(Arrays.copyOf(good, good.length - 1))).as("truncated").isEmpty();
    assertThat(codec.decode(Arrays.copyOf(good, good.length + 1))).as("trailing").isEmpty();
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    assertThat(codec.decode(badMagic)).isEmpty();
    byte[] badVersion = good.clone();
    badVersion[2] = 9;
    assertThat(codec.decode(badVersion)).isEmpty();
    assertThat(codec.decode(new byte[0])).isEmpty();
    assertThat(codec.refusals().malformed()).isEqualTo(5);
  }

  @Test
  void refusesInvalidIdsAndFigures() {
    byte[] good = codec.encode(NodeId.of("c1-n0"), window(1));
    byte[] badId = good.clone();
    // The sender id starts after magic, version and the grid name: upper case is not an id.
    badId[3 + 1 + "grid-1".length() + 1] = 'C';
    assertThat(codec.decode(badId)).isEmpty();
    byte[] negativeAge = good.clone();
    negativeAge[negativeAge.length - 1] = (byte) 0xff;
    negativeAge[negativeAge.length - 4] = (byte) 0xff;
    assertThat(codec.decode(negativeAge)).isEmpty();
    assertThat(codec.refusals().malformed()).isEqualTo(2);
  }

  @Test
  void randomBytesNeverThrow() {
    SplittableRandom random = new SplittableRandom(5);
    byte[] good = codec.encode(NodeId.of("c1-n0"), window(5));
    for (int i = 0; i < 5_000; i++) {
      byte[] b = good.clone();
      for (int k = 0; k < 3; k++) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      codec.decode(b);
      byte[] r = new byte[random.nextInt(200)];
      random.nextBytes(r);
      codec.decode(r);
    }
    assertThat(codec.refusals().total()).isPositive();
  }

  @Test
  void theLargestWindowAnAgentTakesFitsAMessageWithTheLongestNames() {
    GossipCodec longGrid = new GossipCodec("g".repeat(64));
    List<LoadEntry> entries = new ArrayList<>();
    for (int i = 0; i < io.roam.common.placement.GossipWindow.MAX; i++) {
      String id = "n" + i;
      entries.add(
          new LoadEntry(
              NodeId.of(id + "x".repeat(40 - id.length())), 1, 1, 1, 1L << 30, 4L << 30, i));
    }
    byte[] bytes = longGrid.encode(NodeId.of("s".repeat(40)), entries);
    assertThat(bytes.length).isLessThanOrEqualTo(GossipCodec.DEFAULT_MAX_BYTES);
    assertThat(longGrid.decode(bytes).orElseThrow().entries()).isEqualTo(entries);
  }
}
