package io.roam.agent.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobCgroupTest {
  @TempDir Path sys;

  @Test
  void noGroupNoLimitNoPrefix() {
    assertThat(JobCgroup.NONE.cpuLimit()).isEmpty();
    assertThat(JobCgroup.NONE.prefix()).isEmpty();
  }

  @Test
  void v1QuotaOverPeriodIsTheLimit() throws Exception {
    Path jobs = Files.createDirectories(sys.resolve("cpu/roam/c1-n1/jobs"));
    Files.writeString(sys.resolve("cpu/cpu.cfs_quota_us"), "-1\n");
    Files.writeString(sys.resolve("cpu/cpu.cfs_period_us"), "100000\n");
    Files.writeString(jobs.resolve("cpu.cfs_quota_us"), "50000\n");
    Files.writeString(jobs.resolve("cpu.cfs_period_us"), "100000\n");
    Path memory = Files.createDirectories(sys.resolve("memory/roam/c1-n1/jobs"));

    JobCgroup group = new JobCgroup(List.of(jobs, memory));

    assertThat(group.cpuLimit()).hasValue(0.5);
    assertThat(group.prefix()).contains(jobs.toString(), memory.toString());
  }

  @Test
  void aTighterParentLimitBinds() throws Exception {
    Path node = Files.createDirectories(sys.resolve("node"));
    Path jobs = Files.createDirectories(node.resolve("jobs"));
    Files.writeString(node.resolve("cpu.max"), "25000 100000\n");
    Files.writeString(jobs.resolve("cpu.max"), "max 100000\n");

    assertThat(new JobCgroup(List.of(jobs)).cpuLimit()).hasValue(0.25);
  }

  @Test
  void v2MaxIsNoLimit() throws Exception {
    Path jobs = Files.createDirectories(sys.resolve("jobs"));
    Files.writeString(jobs.resolve("cpu.max"), "max 100000\n");
    assertThat(new JobCgroup(List.of(jobs)).cpuLimit()).isEmpty();
    Files.writeString(jobs.resolve("cpu.max"), "150000 100000\n");
    assertThat(new JobCgroup(List.of(jobs)).cpuLimit()).hasValue(1.5);
  }
}
