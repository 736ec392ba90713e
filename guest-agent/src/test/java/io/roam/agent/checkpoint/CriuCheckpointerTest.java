package io.roam.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriuCheckpointerTest {
  @TempDir Path dir;

  @Test
  void theEnvironmentVariableWins() {
    assertThat(CriuCheckpointer.locate(Map.of("ROAM_CRIU", "/opt/criu/sbin/criu", "PATH", "")))
        .contains(Path.of("/opt/criu/sbin/criu"));
  }

  @Test
  void thenTheCachedCopyThenThePath() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path criu = Files.createFile(bin.resolve("criu"));
    criu.toFile().setExecutable(true);
    Path expected =
        Files.isExecutable(CriuCheckpointer.CACHED_CRIU) ? CriuCheckpointer.CACHED_CRIU : criu;
    assertThat(CriuCheckpointer.locate(Map.of("PATH", dir + ":" + bin))).contains(expected);
  }

  @Test
  void imageBytesLeaveOutLogs() throws Exception {
    Files.write(dir.resolve("pages-1.img"), new byte[4096]);
    Files.write(dir.resolve("core-1.img"), new byte[10]);
    Files.write(dir.resolve("dump.log"), new byte[999]);
    assertThat(CriuCheckpointer.imageBytes(dir)).isEqualTo(4106);
  }

  @Test
  void ipv4AddressesReadAsPeopleWriteThem() {
    assertThat(ProcScan.address("0100007F:1F90")).isEqualTo("127.0.0.1:8080");
    assertThat(ProcScan.address("00000000000000000000000001000000:0016"))
        .isEqualTo("[0:0:0:0:0:0:0:1]:22");
    assertThat(ProcScan.address("0000000000000000FFFF00000100007F:1F90"))
        .isEqualTo("127.0.0.1:8080");
  }
}
