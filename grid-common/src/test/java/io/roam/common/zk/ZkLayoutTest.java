package io.roam.common.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.HostId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import org.junit.jupiter.api.Test;

class ZkLayoutTest {
  private final ZkLayout layout = new ZkLayout("test");

  @Test
  void pathsLiveUnderTheGridRoot() {
    assertThat(layout.job(JobId.of("j3"))).isEqualTo("/roam/test/jobs/j3");
    assertThat(layout.node(NodeId.of("c1-n2"))).isEqualTo("/roam/test/nodes/c1-n2");
    assertThat(layout.host(HostId.of("h1"))).isEqualTo("/roam/test/hosts/h1");
    assertThat(layout.desiredState(HostId.of("h1"))).isEqualTo("/roam/test/desired/h1");
    assertThat(layout.policy(io.roam.common.id.ClusterId.of("c1")))
        .isEqualTo("/roam/test/policies/c1");
    assertThat(layout.token("alice")).isEqualTo("/roam/test/tokens/alice");
    assertThat(layout.nodeFlags(NodeId.of("c1-n2"))).isEqualTo("/roam/test/nodeflags/c1-n2");
    assertThatThrownBy(() -> layout.token("../x")).hasMessageContaining("token name");
  }

  @Test
  void jobNumbersStartAtOne() {
    assertThat(layout.jobNumber("/roam/test/sequences/job-0000000000")).isEqualTo(1);
    assertThat(layout.jobNumber("/roam/test/sequences/job-0000000041")).isEqualTo(42);
  }

  @Test
  void badGridNamesAreRefused() {
    assertThatThrownBy(() -> new ZkLayout("../x")).hasMessageContaining("grid name");
  }
}
