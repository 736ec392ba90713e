package io.roam.manager.local.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file system layout and the values written, on a directory tree that stands in for sysfs. */
class CgroupNodeGroupsTest {
  private static final String SELF_V1 =
      "9:name=systemd:/\n4:memory:/sessions/s1\n2:cpu,cpuacct:/\n0::/\n";

  @TempDir Path sys;

  private void v1() throws Exception {
    Files.createDirectories(sys.resolve("cpu"));
    Files.writeString(sys.resolve("cpu/cpu.cfs_quota_us"), "-1");
    Files.createDirectories(sys.resolve("memory/sessions/s1"));
    Files.writeString(sys.resolve("memory/memory.limit_in_bytes"), "9223372036854771712");
  }

  @Test
  void v1GroupsGoBelowThisProcessesOwnInEachHierarchy() throws Exception {
    v1();
    CgroupNodeGroups groups = CgroupNodeGroups.detect(sys, SELF_V1, "roam-7");
    assertThat(groups.version()).isEqualTo(CgroupNodeGroups.Version.V1);

    NodeGroups.NodeGroup g = groups.create(NodeId.of("c1-n1"), 0.5, 64L << 20);

    Path cpu = sys.resolve("cpu/roam-7/c1-n1");
    Path mem = sys.resolve("memory/sessions/s1/roam-7/c1-n1");
    assertThat(g.agentDirs()).containsExactly(cpu.resolve("agent"), mem.resolve("agent"));
    assertThat(g.jobsDirs()).containsExactly(cpu.resolve("jobs"), mem.resolve("jobs"));
    assertThat(Files.readString(cpu.resolve("jobs/cpu.cfs_quota_us"))).isEqualTo("50000");
    assertThat(Files.readString(cpu.resolve("jobs/cpu.cfs_period_us"))).isEqualTo("100000");
    assertThat(Files.readString(cpu.resolve("jobs/cpu.shares"))).isEqualTo("512");
    assertThat(Files.readString(sys.resolve("cpu/roam-7/cpu.shares"))).isEqualTo("1024");
    groups.create(NodeId.of("c1-n2"), 2, 0);
    assertThat(Files.readString(sys.resolve("cpu/roam-7/cpu.shares"))).isEqualTo("2560");
    assertThat(Files.readString(mem.resolve("jobs/memory.limit_in_bytes")))
        .isEqualTo(Long.toString(64L << 20));
    // The agent's own group is not limited: its CPU is not taken from its jobs.
    assertThat(cpu.resolve("agent/cpu.cfs_quota_us")).doesNotExist();
    assertThat(groups.dirs())
        .first()
        .satisfies(d -> assertThat(d.getNameCount()).isGreaterThan(cpu.getNameCount()));
    assertThat(groups.dirs()).last().isIn(sys.resolve("cpu/roam-7"), mem.getParent());
  }

  @Test
  void noLimitWritesNoLimit() throws Exception {
    v1();
    CgroupNodeGroups groups = CgroupNodeGroups.detect(sys, SELF_V1, "roam-7");
    groups.create(NodeId.of("c1-n2"), 0, 0);
    assertThat(sys.resolve("cpu/roam-7/c1-n2/jobs/cpu.cfs_quota_us")).doesNotExist();
    assertThat(sys.resolve("memory/sessions/s1/roam-7/c1-n2/jobs/memory.limit_in_bytes"))
        .doesNotExist();
  }

  @Test
  void v2WritesCpuMaxAndHandsControllersDown() throws Exception {
    Files.writeString(sys.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
    Files.createDirectories(sys.resolve("user/me"));
    CgroupNodeGroups groups = CgroupNodeGroups.detect(sys, "0::/user/me\n", "roam-7");
    assertThat(groups.version()).isEqualTo(CgroupNodeGroups.Version.V2);

    NodeGroups.NodeGroup g = groups.create(NodeId.of("c1-n1"), 1.5, 128L << 20);

    Path node = sys.resolve("user/me/roam-7/c1-n1");
    assertThat(g.agentDirs()).containsExactly(node.resolve("agent"));
    assertThat(g.jobsDirs()).containsExactly(node.resolve("jobs"));
    assertThat(Files.readString(node.resolve("jobs/cpu.max"))).isEqualTo("150000 100000");
    assertThat(Files.readString(node.resolve("jobs/cpu.weight"))).isEqualTo("150");
    assertThat(Files.readString(node.resolve("jobs/memory.max")))
        .isEqualTo(Long.toString(128L << 20));
    assertThat(node.resolve("cgroup.subtree_control")).exists();
  }

  @Test
  void aMachineWithoutCpuControllerIsToldPlainly() {
    assertThatThrownBy(() -> CgroupNodeGroups.detect(sys, SELF_V1, "roam-7"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("node limits need cgroups with a cpu controller");
  }

  @Test
  void ownGroupComesFromProcSelfCgroup() {
    assertThat(CgroupNodeGroups.own(SELF_V1, "memory")).isEqualTo("/sessions/s1");
    assertThat(CgroupNodeGroups.own(SELF_V1, "cpu")).isEqualTo("/");
    assertThat(CgroupNodeGroups.own(SELF_V1, "")).isEqualTo("/");
    assertThat(CgroupNodeGroups.own("", "cpu")).isEqualTo("/");
  }

  @Test
  void quotaIsTheShareOfTheFixedPeriod() {
    assertThat(CgroupNodeGroups.quota(0.25)).isEqualTo(25_000);
    assertThat(CgroupNodeGroups.quota(2)).isEqualTo(200_000);
    assertThat(CgroupNodeGroups.quota(0.001)).isEqualTo(1000); // the kernel's minimum
  }
}
