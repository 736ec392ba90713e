package io.roam.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Log excerpts are as CRIU 4.1.1 wrote them on this project's test machines. */
class CriuFailuresTest {
  private static final String RLIMIT =
      "(00.037201) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self:"
          + " Operation not permitted";

  private static String dump(String... lines) {
    List<String> log = new java.util.ArrayList<>(List.of(RLIMIT));
    log.addAll(List.of(lines));
    log.add("(00.052565) Error (criu/cr-dump.c:2111): Dumping FAILED.");
    return CriuFailures.explain(CheckpointStep.DUMP, log);
  }

  private static String restore(String... lines) {
    List<String> log = new java.util.ArrayList<>(List.of(RLIMIT));
    log.addAll(List.of(lines));
    log.add("(00.232988) Error (criu/cr-restore.c:2320): Restoring FAILED.");
    return CriuFailures.explain(CheckpointStep.RESTORE, log);
  }

  @Test
  void listeningOrUdpSocket() {
    String reason =
        dump(
            "(00.052063) 11800 fdinfo 3: pos:                0 flags:                2/0x1",
            "(00.052070) sockets: Searching for socket 0x4eeb family 2",
            "(00.052085) Error (criu/sockets.c:628): sockets: Can't get 1:16 opt: Operation not"
                + " supported",
            "(00.052088) Error (criu/sockets.c:628): sockets: Can't get 1:34 opt: Operation not"
                + " supported",
            "(00.052111) Error (criu/cr-dump.c:1681): Dump files (pid: 11800) failed with -1");
    assertThat(reason).contains("network socket (IPv4").contains("cannot move");
  }

  @Test
  void ipv6Socket() {
    assertThat(
            dump(
                "(00.05) sockets: Searching for socket 0x4eeb family 10",
                "(00.05) Error (criu/sockets.c:628): sockets: Can't get 1:16 opt: x"))
        .contains("IPv6");
  }

  @Test
  void establishedTcpConnection() {
    assertThat(
            dump(
                "(00.030454) sockets: Searching for socket 0x4fc3 family 2",
                "(00.030456) Error (criu/sk-inet.c:191): inet: Connected TCP socket, consider"
                    + " using --tcp-established option."))
        .contains("open TCP connection");
  }

  @Test
  void externalUnixSocket() {
    assertThat(
            dump(
                "(00.036175) Error (criu/sk-unix.c:874): unix: External socket is used. Consider"
                    + " using --ext-unix-sk option."))
        .contains("Unix socket of a process outside the job");
  }

  @Test
  void device() {
    assertThat(
            dump(
                "(00.192344) Error (criu/files-ext.c:94): Can't dump file 3 of that type [20600]"
                    + " (chr 10:229)"))
        .isEqualTo(
            "the job has a device open (descriptor 3, character device 10:229) that cannot be"
                + " moved to another node");
  }

  @Test
  void terminal() {
    assertThat(dump("(00.1) Error (criu/tty.c:2109): tty: Can't dump tty 34816 with sid 1"))
        .contains("terminal");
  }

  @Test
  void fileMissingOnTarget() {
    assertThat(
            restore(
                "(00.224350)      1: Error (criu/files-reg.c:2353): Can't open file"
                    + " run/roam-it-x/node/jobs/j1/stdout on restore: No such file or directory",
                "(00.224352)      1: Error (criu/files-reg.c:2267): Can't open file"
                    + " run/roam-it-x/node/jobs/j1/stdout: No such file or directory",
                "(00.224354)      1: Error (criu/files.c:1221): Unable to open fd=1 id=0x5"))
        .isEqualTo(
            "the file /run/roam-it-x/node/jobs/j1/stdout the job had open is missing on this"
                + " node; the job's files must be copied here before it is restored");
  }

  @Test
  void fileChangedAfterDump() {
    assertThat(
            restore(
                "(00.121361)      1: Error (criu/files-reg.c:2175): File"
                    + " tmp/exp/node/jobs/j1/stdout has bad size 52 (expect 47)"))
        .contains("/tmp/exp/node/jobs/j1/stdout")
        .contains("52 bytes long here but was 47");
  }

  @Test
  void damagedImages() {
    assertThat(
            restore(
                "(00.079363)      1: Error (criu/protobuf.c:72): Unexpected EOF on (empty-image)"))
        .isEqualTo("the checkpoint images are damaged or incomplete");
  }

  @Test
  void missingImageFile() {
    assertThat(
            restore(
                "(00.082168)      1:  `- type 1 ID 0x1c",
                "(00.082290)      1: No pagemap-1.img image"))
        .isEqualTo("the checkpoint images are damaged or incomplete");
  }

  @Test
  void noDirtyMemoryTracking() {
    assertThat(
            CriuFailures.explain(
                CheckpointStep.PRE_DUMP,
                List.of(
                    "Error (criu/config.c:1128): Tracking memory is not available. Consider"
                        + " omitting --track-mem option.")))
        .contains("CONFIG_MEM_SOFT_DIRTY");
  }

  @Test
  void jobNotInItsOwnSession() {
    assertThat(
            dump(
                "(00.01) Error (criu/pstree.c:512): A session leader of 123(123) is outside of its"
                    + " pid namespace"))
        .contains("own session and PID namespace");
  }

  @Test
  void unknownFailureKeepsCriusFirstWords() {
    assertThat(dump("(00.01) Error (criu/foo.c:1): foo: something odd"))
        .isEqualTo("CRIU could not dump the job: foo: something odd");
  }

  @Test
  void silentFailure() {
    assertThat(CriuFailures.explain(CheckpointStep.RESTORE, List.of("(00.0) nothing")))
        .isEqualTo("CRIU could not restore the job and logged no error");
  }
}
