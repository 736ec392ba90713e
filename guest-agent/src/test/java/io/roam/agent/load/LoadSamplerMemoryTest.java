package io.roam.agent.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node whose jobs have a memory limit reports that limit, not the machine's memory. */
class LoadSamplerMemoryTest {
  private static final long MIB = 1 << 20;

  @TempDir Path temp;
  private Path proc;

  @BeforeEach
  void machineOf4GiBWith3Free() throws Exception {
    proc = Files.createDirectories(temp.resolve("proc"));
    Files.writeString(
        proc.resolve("meminfo"), "MemTotal:        4194304 kB\nMemAvailable:    3145728 kB\n");
  }

  @Test
  void noGroupMeansTheMachine() {
    assertThat(new LoadSampler(proc).memory()).containsExactly(3072 * MIB, 4096 * MIB);
  }

  @Test
  void aV1LimitBoundsTotalAndFree() throws Exception {
    Path cpu = Files.createDirectories(temp.resolve("cpu/jobs"));
    Path mem = Files.createDirectories(temp.resolve("memory/jobs"));
    Files.writeString(mem.resolve("memory.limit_in_bytes"), (256 * MIB) + "\n");
    Files.writeString(mem.resolve("memory.usage_in_bytes"), (56 * MIB) + "\n");

    assertThat(new LoadSampler(proc, List.of(cpu, mem)).memory())
        .containsExactly(200 * MIB, 256 * MIB);
  }

  @Test
  void v2MaxIsNoLimit() throws Exception {
    Path jobs = Files.createDirectories(temp.resolve("jobs"));
    Files.writeString(jobs.resolve("memory.max"), "max\n");
    Files.writeString(jobs.resolve("memory.current"), "1000\n");
    assertThat(new LoadSampler(proc, List.of(jobs)).memory())
        .containsExactly(3072 * MIB, 4096 * MIB);

    Files.writeString(jobs.resolve("memory.max"), (128 * MIB) + "\n");
    Files.writeString(jobs.resolve("memory.current"), (200 * MIB) + "\n");
    assertThat(new LoadSampler(proc, List.of(jobs)).memory()).containsExactly(0L, 128 * MIB);
  }
}
