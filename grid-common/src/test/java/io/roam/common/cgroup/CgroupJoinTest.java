package io.roam.common.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupJoinTest {
  @TempDir Path temp;

  @Test
  void noGroupsNoPrefix() {
    assertThat(CgroupJoin.prefix(List.of())).isEmpty();
  }

  @Test
  void theShellWritesItsPidToEachGroupThenBecomesTheCommand() throws Exception {
    Path cpu = Files.createDirectories(temp.resolve("cpu"));
    Path mem = Files.createDirectories(temp.resolve("memory"));
    List<String> argv = new ArrayList<>(CgroupJoin.prefix(List.of(cpu, mem)));
    argv.addAll(List.of("sh", "-c", "echo $$"));
    Process p = new ProcessBuilder(argv).start();
    String pid = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).isZero();
    // exec: the command is the very process that joined.
    assertThat(Files.readString(cpu.resolve("cgroup.procs")).trim()).isEqualTo(pid);
    assertThat(Files.readString(mem.resolve("cgroup.procs")).trim()).isEqualTo(pid);
  }

  @Test
  void aGroupThatCannotBeJoinedStopsTheCommand() throws Exception {
    List<String> argv = new ArrayList<>(CgroupJoin.prefix(List.of(temp.resolve("missing/group"))));
    argv.addAll(List.of("sh", "-c", "echo ran"));
    Process p = new ProcessBuilder(argv).start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor()).isEqualTo(125);
    assertThat(out).isEmpty();
    assertThat(err).contains("cannot join the cgroup " + temp.resolve("missing/group"));
  }
}
