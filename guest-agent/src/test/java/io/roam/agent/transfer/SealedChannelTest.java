package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SealedChannelTest {
  private static final byte[] SECRET = "grid-secret-0123456789".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SALT = new byte[32];

  private static SealedChannel.Keys keys(String context) {
    return SealedChannel.derive(SECRET, SALT, "source-to-target", context);
  }

  private static byte[] seal(byte[] plain, SealedChannel.Keys keys, boolean close)
      throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    SealedChannel.Writer w = new SealedChannel.Writer(wire, keys);
    w.write(plain);
    if (close) {
      w.close();
    } else {
      w.flush();
    }
    return wire.toByteArray();
  }

  private static byte[] open(byte[] wire, SealedChannel.Keys keys) throws IOException {
    return new SealedChannel.Reader(new ByteArrayInputStream(wire), keys).readAllBytes();
  }

  @Test
  void roundTripsAcrossManyFramesAndHidesThePlaintext() throws IOException {
    byte[] plain = new byte[3 * SealedChannel.MAX_FRAME + 12345];
    new Random(1).nextBytes(plain);
    Arrays.fill(plain, 0, 64, (byte) 'A');
    byte[] wire = seal(plain, keys("j1|a|b|1"), true);

    assertThat(open(wire, keys("j1|a|b|1"))).isEqualTo(plain);
    assertThat(new String(wire, StandardCharsets.ISO_8859_1)).doesNotContain("AAAAAAAAAAAAAAAA");
  }

  @Test
  void fullFramesHoldFrameBytes() throws IOException {
    // Frame size decides which compiled cipher code runs: the warm-up seals frames of this size.
    int plain = 2 * SealedChannel.FRAME + 1;
    byte[] wire = seal(new byte[plain], keys("c"), true);

    int perFrame = Integer.BYTES + 16; // header and tag
    // Two full frames, then the last byte in the one that carries the end mark.
    assertThat(wire.length).isEqualTo(plain + 3 * perFrame);
    assertThat(open(wire, keys("c"))).hasSize(plain);
  }

  @Test
  void aFlippedBitIsRefused() throws IOException {
    byte[] wire = seal("memory of a process".getBytes(StandardCharsets.UTF_8), keys("c"), true);
    wire[10] ^= 1;
    assertThatThrownBy(() -> open(wire, keys("c"))).hasMessageContaining("failed authentication");
  }

  @Test
  void anotherSecretOrContextCannotRead() throws IOException {
    byte[] wire = seal("x".getBytes(StandardCharsets.UTF_8), keys("j1|a|b|1"), true);
    assertThatThrownBy(() -> open(wire, keys("j2|a|b|1")))
        .hasMessageContaining("failed authentication");
    SealedChannel.Keys other =
        SealedChannel.derive(
            "another".getBytes(StandardCharsets.UTF_8), SALT, "source-to-target", "j1|a|b|1");
    assertThatThrownBy(() -> open(wire, other)).hasMessageContaining("failed authentication");
  }

  @Test
  void aStreamCutShortIsNoticed() throws IOException {
    byte[] wire = seal(new byte[5000], keys("c"), false);
    assertThatThrownBy(() -> open(wire, keys("c"))).hasMessageContaining("cut short");
  }

  @Test
  void framesCannotBeReordered() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SealedChannel.Writer w = new SealedChannel.Writer(out, keys("c"));
    w.write(new byte[] {1, 2, 3});
    w.flush();
    int first = out.size();
    w.write(new byte[] {4, 5, 6});
    w.flush();
    int second = out.size();
    w.close();
    byte[] wire = out.toByteArray();
    byte[] swapped = new byte[wire.length];
    System.arraycopy(wire, first, swapped, 0, second - first);
    System.arraycopy(wire, 0, swapped, second - first, first);
    System.arraycopy(wire, second, swapped, second, wire.length - second);
    assertThatThrownBy(() -> open(swapped, keys("c")))
        .hasMessageContaining("failed authentication");
  }

  /** Writes {@code plain} in pieces of the given sizes (cycling), flushing after each third. */
  private static byte[] sealInPieces(
      byte[] plain, SealedChannel.Writer w, ByteArrayOutputStream wire, int... sizes)
      throws IOException {
    int at = 0;
    for (int i = 0; at < plain.length; i++) {
      int n = Math.min(sizes[i % sizes.length], plain.length - at);
      w.write(plain, at, n);
      at += n;
      if (i % 3 == 2) {
        w.flush();
      }
    }
    w.close();
    return wire.toByteArray();
  }

  /** Reads everything in reads of the given sizes (cycling), as the unpacking side does. */
  private static byte[] openInPieces(byte[] wire, SealedChannel.Keys keys, int... sizes)
      throws IOException {
    SealedChannel.Reader r = new SealedChannel.Reader(new ByteArrayInputStream(wire), keys);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[SealedChannel.MAX_FRAME + 1];
    for (int i = 0; ; i++) {
      int n = r.read(buffer, 0, sizes[i % sizes.length]);
      if (n < 0) {
        break;
      }
      assertThat(n).isPositive();
      out.write(buffer, 0, n);
    }
    assertThat(r.ended()).isTrue();
    return out.toByteArray();
  }

  @Test
  void largeAndSmallWritesAndReadsGiveTheSameBytes() throws IOException {
    // Whole frames are sealed from the writer's bytes and opened into the reader's when they
    // fit; the rest goes through the channel's own buffers. Every mix must give the same bytes.
    byte[] plain = new byte[5 * SealedChannel.FRAME * 7 + 999];
    new Random(2).nextBytes(plain);
    int frame = SealedChannel.FRAME;
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    byte[] sealed =
        sealInPieces(
            plain,
            new SealedChannel.Writer(wire, keys("mix")),
            wire,
            3 * frame + 5,
            17,
            frame,
            frame - 1,
            64 << 10);

    for (int[] reads :
        new int[][] {{frame}, {frame * 4}, {1, frame, 3}, {frame + 1, 100}, {1 << 20}}) {
      assertThat(openInPieces(sealed, keys("mix"), reads)).isEqualTo(plain);
    }
  }

  @Test
  void framesLargerThanTheReadersBufferAreOpenedInPieces() throws IOException {
    // An earlier writer sealed 1 MiB frames; a reader asking for less gets them a part at a time.
    byte[] plain = new byte[3 * SealedChannel.MAX_FRAME + 77];
    new Random(3).nextBytes(plain);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    byte[] sealed =
        sealInPieces(
            plain,
            new SealedChannel.Writer(wire, keys("big"), SealedChannel.MAX_FRAME),
            wire,
            SealedChannel.MAX_FRAME,
            12345);

    assertThat(openInPieces(sealed, keys("big"), SealedChannel.FRAME)).isEqualTo(plain);
    assertThat(openInPieces(sealed, keys("big"), SealedChannel.FRAME, 5, 1 << 20)).isEqualTo(plain);
  }

  @Test
  void aFlippedBitInAFrameOpenedIntoTheCallersBytesIsRefused() throws IOException {
    byte[] plain = new byte[4 * SealedChannel.FRAME];
    byte[] wire = seal(plain, keys("d"), true);
    wire[Integer.BYTES + SealedChannel.FRAME + 16 + Integer.BYTES + 100] ^= 1; // second frame

    assertThatThrownBy(() -> openInPieces(wire, keys("d"), SealedChannel.FRAME))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("failed authentication");
  }
}
