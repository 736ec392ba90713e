package io.roam.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Decodes stats files that CRIU 4.1.1 wrote on a real dump and restore. */
class CriuStatsTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  /** A small shell counter's dump. */
  static final String SMALL_DUMP =
      "40591055 06330957 24000000 0a2208a3 0310f6aa 02188c12 20bf0328 9a013000 385c4000 48005012"
          + " 58126000 68007000";

  /** A Python process holding 256 MiB. */
  static final String BIG_DUMP =
      "40591055 06330957 29000000 0a2708db 0f10bf9e 1218eeed 0c20abd7 0528ae86 04300038 d7850440"
          + " 00480050 0f580f60 12680070 0c";

  static final String RESTORE = "40591055 06330957 0e000000 120c0800 1000189d 06208538 285c";

  @Test
  void decodesDumpStatistics() {
    DumpStats s = CriuStats.decodeDump(hex(SMALL_DUMP));
    assertThat(s.freezing()).isEqualTo(Duration.ofNanos(419_000));
    assertThat(s.frozen()).isEqualTo(Duration.ofNanos(38_262_000));
    assertThat(s.memDump()).isEqualTo(Duration.ofNanos(2_316_000));
    assertThat(s.memWrite()).isEqualTo(Duration.ofNanos(447_000));
    assertThat(s.pagesScanned()).isEqualTo(154);
    assertThat(s.pagesSkippedParent()).isZero();
    assertThat(s.pagesWritten()).isEqualTo(92);
  }

  @Test
  void decodesMultiByteVarints() {
    DumpStats s = CriuStats.decodeDump(hex(BIG_DUMP));
    assertThat(s.frozen()).isEqualTo(Duration.ofNanos(298_815_000));
    assertThat(s.pagesWritten()).isEqualTo(66_263); // 256 MiB and the interpreter
  }

  @Test
  void decodesRestoreStatistics() {
    RestoreStats s = CriuStats.decodeRestore(hex(RESTORE));
    assertThat(s.forking()).isEqualTo(Duration.ofNanos(797_000));
    assertThat(s.restoring()).isEqualTo(Duration.ofNanos(7_173_000));
    assertThat(s.pagesRestored()).isEqualTo(92);
  }

  @Test
  void skipsFieldsItDoesNotKnow() {
    // dump entry {frozen=5, field 20 (fixed64), field 21 (bytes "ab"), pages_written=3}
    String entry = "1005 a1010102030405060708 aa01026162 3803";
    int len = hex(entry).length;
    String file =
        "40591055 06330957 "
            + String.format("%02x000000", len + 2)
            + " 0a"
            + String.format("%02x", len)
            + entry;
    DumpStats s = CriuStats.decodeDump(hex(file));
    assertThat(s.frozen()).isEqualTo(Duration.ofNanos(5_000));
    assertThat(s.pagesWritten()).isEqualTo(3);
  }

  @Test
  void rejectsTruncatedAndForeignFiles() {
    byte[] whole = hex(RESTORE);
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
    assertThatThrownBy(() -> CriuStats.decodeRestore(cut)).hasMessageContaining("truncated");
    assertThatThrownBy(() -> CriuStats.decodeRestore(new byte[3]))
        .hasMessageContaining("too short");
    byte[] foreign = whole.clone();
    foreign[4] = 0;
    assertThatThrownBy(() -> CriuStats.decodeRestore(foreign)).hasMessageContaining("magic");
    assertThatThrownBy(() -> CriuStats.decodeRestore(hex(SMALL_DUMP)))
        .hasMessageContaining("no entry 2");
  }
}
