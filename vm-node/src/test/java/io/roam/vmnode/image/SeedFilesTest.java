package io.roam.vmnode.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.DesiredDomain;
import io.roam.common.model.PortForward;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.spec.DomainSpecs;
import io.roam.vmnode.spec.NodeIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeedFilesTest {
  private static final String SHA = "a".repeat(64);

  /** The roam.env seed file of a guest with the agent and migration ports forwarded. */
  private static String envOf(DomainSpecs specs) {
    var spec =
        specs.forDesired(
            new DesiredDomain(
                NodeId.of("c1-v1"),
                ClusterId.of("c1"),
                1,
                512,
                "base.qcow2",
                SHA,
                List.of(new PortForward(21000, 7070), new PortForward(21001, 7071))));
    return new String(SeedFiles.of(spec.seed().identity()).get("roam.env"), StandardCharsets.UTF_8);
  }

  @Test
  void theSecondForwardIsTheMigrationPortAndTheGuestReachesPeersThroughTheHostLoopback() {
    DomainSpecs specs =
        new DomainSpecs(
            Path.of("/images"),
            Path.of("/state"),
            DomainType.QEMU,
            "g",
            "10.0.2.2:2181",
            "s3cret",
            Duration.ofSeconds(45));
    String env = envOf(specs);

    assertThat(env)
        .contains("ROAM_BIND=0.0.0.0:7070\n")
        .contains("ROAM_ADVERTISE=127.0.0.1:21000\n")
        .contains("ROAM_MIGRATION_PORT=7071\n")
        .contains("ROAM_ADVERTISE_MIGRATION_PORT=21001\n")
        .contains("ROAM_HOST_LOOPBACK=10.0.2.2\n")
        .contains("ROAM_ZK_SESSION_TIMEOUT_MS=45000\n");
  }

  @Test
  void withAForwardAddressTheGuestAdvertisesItAndStillReachesLoopbackPeersThroughTheHost() {
    DomainSpecs specs =
        new DomainSpecs(
            Path.of("/images"),
            Path.of("/state"),
            DomainType.QEMU,
            "g",
            "192.168.10.11:2181",
            "s3cret",
            Duration.ofSeconds(45),
            "192.168.10.12");
    String env = envOf(specs);

    assertThat(env)
        .contains("ROAM_ZK=192.168.10.11:2181\n")
        .contains("ROAM_BIND=0.0.0.0:7070\n")
        .contains("ROAM_ADVERTISE=192.168.10.12:21000\n")
        .contains("ROAM_ADVERTISE_MIGRATION_PORT=21001\n")
        .contains("ROAM_HOST_LOOPBACK=10.0.2.2\n");
  }

  @Test
  void aGuestTransferTimeoutOtherThanTheAgentsDefaultReachesTheSeed() {
    DomainSpecs tuned =
        new DomainSpecs(
            Path.of("/images"),
            Path.of("/state"),
            DomainType.QEMU,
            "g",
            "10.0.2.2:2181",
            "s3cret",
            Duration.ofSeconds(45),
            DomainSpecs.LOOPBACK_FORWARD,
            Duration.ofSeconds(300));
    assertThat(envOf(tuned)).contains("ROAM_TRANSFER_TIMEOUT_S=300\n");

    // The agent's own default is left to the agent: such seeds are as they were before.
    DomainSpecs explicitDefault =
        new DomainSpecs(
            Path.of("/images"),
            Path.of("/state"),
            DomainType.QEMU,
            "g",
            "10.0.2.2:2181",
            "s3cret",
            Duration.ofSeconds(45),
            DomainSpecs.LOOPBACK_FORWARD,
            DomainSpecs.DEFAULT_GUEST_TRANSFER_TIMEOUT);
    DomainSpecs older =
        new DomainSpecs(
            Path.of("/images"),
            Path.of("/state"),
            DomainType.QEMU,
            "g",
            "10.0.2.2:2181",
            "s3cret",
            Duration.ofSeconds(45));
    assertThat(envOf(explicitDefault))
        .doesNotContain("ROAM_TRANSFER_TIMEOUT_S")
        .isEqualTo(envOf(older));
  }

  @Test
  void anIdentityWithoutTheNewPartsWritesOnlyTheRequiredKeys() {
    NodeIdentity id =
        new NodeIdentity(
            NodeId.of("n1"),
            ClusterId.of("c1"),
            "g",
            "10.0.2.2:1",
            "0.0.0.0:1",
            "127.0.0.1:2",
            "x");
    String env = new String(SeedFiles.of(id).get("roam.env"), StandardCharsets.UTF_8);
    assertThat(env)
        .doesNotContain("MIGRATION")
        .doesNotContain("LOOPBACK")
        .doesNotContain("TRANSFER");
  }

  @Test
  void aValueTheGuestWouldRejectIsRefusedHere() {
    NodeIdentity id =
        new NodeIdentity(
            NodeId.of("n1"),
            ClusterId.of("c1"),
            "g",
            "10.0.2.2:1",
            "0.0.0.0:1",
            "127.0.0.1:2",
            "x",
            7071,
            21001,
            "10.0.2.2 ; rm",
            null);
    assertThatThrownBy(() -> SeedFiles.of(id))
        .isInstanceOf(ProvisionException.class)
        .hasMessageContaining("ROAM_HOST_LOOPBACK");
  }
}
