package io.roam.manager.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.api.LocalNodeLimits;
import io.roam.common.cgroup.CgroupJoin;
import io.roam.common.id.NodeId;
import io.roam.manager.local.cgroup.NodeGroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalGridTest {
  @TempDir Path temp;

  private LocalGrid.Settings settings(LocalNodeLimits limits) throws Exception {
    Path jar = Files.createFile(temp.resolve("agent.jar"));
    return new LocalGrid.Settings(
        temp.resolve("state"),
        2,
        2,
        jar,
        "java",
        "default",
        temp.resolve("secret"),
        true,
        Path.of("/var/lib/roam/node"),
        false,
        limits,
        0);
  }

  @Test
  void aLimitedNodesAgentStartsInItsGroupAndKnowsItsJobsGroup() throws Exception {
    FakeNodeGroups groups = new FakeNodeGroups();
    LocalGrid grid =
        new LocalGrid(
            settings(LocalNodeLimits.parse("0.25,0.5,0.25,1", false, "64", 4)),
            s -> {},
            () -> groups);
    NodeGroups.NodeGroup group = groups.create(NodeId.of("c1-n2"), 0.5, 64L << 20);

    List<String> argv = grid.agentCommand(1, 2, group, 64, "127.0.0.1:2181");

    List<String> prefix = CgroupJoin.prefix(group.agentDirs());
    assertThat(argv.subList(0, prefix.size())).isEqualTo(prefix);
    assertThat(argv.get(prefix.size())).isEqualTo("unshare");
    assertThat(String.join(" ", argv))
        .contains("--node-id c1-n2")
        .contains("--jobs-cgroup /fake/cpu/c1-n2/jobs --jobs-cgroup /fake/memory/c1-n2/jobs")
        .contains("--memory-mb 64")
        .doesNotContain("--speed");
  }

  @Test
  void withoutLimitsTheCommandIsAsBefore() throws Exception {
    LocalGrid grid = new LocalGrid(settings(LocalNodeLimits.NONE), s -> {});
    List<String> argv =
        grid.agentCommand(
            2, 1, new NodeGroups.NodeGroup(List.of(), List.of()), 0, "127.0.0.1:2181");
    assertThat(argv.get(0)).isEqualTo("unshare");
    assertThat(argv).doesNotContain("--jobs-cgroup", "--memory-mb");
  }

  @Test
  void theGossipWindowReachesTheAgentsOnlyWhenGiven() throws Exception {
    LocalGrid.Settings plain = settings(LocalNodeLimits.NONE);
    NodeGroups.NodeGroup none = new NodeGroups.NodeGroup(List.of(), List.of());
    assertThat(new LocalGrid(plain, s -> {}).agentCommand(1, 1, none, 0, "127.0.0.1:2181"))
        .doesNotContain("--gossip-window");
    LocalGrid.Settings three =
        new LocalGrid.Settings(
            plain.stateDir(),
            plain.clusters(),
            plain.nodesPerCluster(),
            plain.agentJar(),
            plain.java(),
            plain.grid(),
            plain.agentSecretFile(),
            plain.sandbox(),
            plain.nodeRoot(),
            plain.balance(),
            plain.limits(),
            3);
    assertThat(
            String.join(
                " ", new LocalGrid(three, s -> {}).agentCommand(1, 1, none, 0, "127.0.0.1:2181")))
        .contains("--gossip-window 3");
  }

  @Test
  void aGossipWindowOutOfRangeIsRefused() throws Exception {
    LocalGrid.Settings p = settings(LocalNodeLimits.NONE);
    for (int bad : new int[] {-1, 49}) {
      assertThatThrownBy(
              () ->
                  new LocalGrid.Settings(
                      p.stateDir(),
                      2,
                      2,
                      p.agentJar(),
                      "java",
                      "default",
                      p.agentSecretFile(),
                      true,
                      p.nodeRoot(),
                      false,
                      LocalNodeLimits.NONE,
                      bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--gossip-window must be between 1 and 48, not " + bad);
    }
  }

  @Test
  void limitsForTheWrongNumberOfNodesAreRefused() {
    assertThatThrownBy(() -> settings(new LocalNodeLimits(List.of(1.0, 1.0), List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--cpu needs one figure per node (4), not 2");
  }
}
