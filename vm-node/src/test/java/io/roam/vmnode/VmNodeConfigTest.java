package io.roam.vmnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.vmnode.probe.DomainTypeChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmNodeConfigTest {
  @TempDir Path tmp;

  @Test
  void everyProblemIsReportedAtOnce() {
    VmNodeConfig.Builder b =
        VmNodeConfig.builder()
            .zkConnect("")
            .grid("Bad Grid")
            .hostId("H1!")
            .libvirtUri("no scheme")
            .domainType(null)
            .imagesDir(tmp.resolve("missing"))
            .stateDir(null)
            .shutdownTimeout(Duration.ZERO);
    assertThat(b.validate())
        .hasSize(9)
        .anyMatch(e -> e.startsWith("--agent-secret-file is required"))
        .anyMatch(e -> e.startsWith("--zk is required"))
        .anyMatch(e -> e.startsWith("--grid"))
        .anyMatch(e -> e.startsWith("--host-id"))
        .anyMatch(e -> e.startsWith("--libvirt-uri"))
        .anyMatch(e -> e.startsWith("--domain-type"))
        .anyMatch(e -> e.contains("is not a directory"))
        .anyMatch(e -> e.startsWith("--state-dir is required"))
        .anyMatch(e -> e.startsWith("--shutdown-timeout"));
    assertThatThrownBy(b::build).hasMessageContaining("--host-id").hasMessageContaining("--zk");
  }

  @Test
  void aValidConfigHasDefaultsAndAGuestViewOfZooKeeper() throws Exception {
    VmNodeConfig c =
        VmNodeConfig.builder()
            .zkConnect("127.0.0.1:2181,zk2.example.org:2181")
            .hostId("h1")
            .imagesDir(Files.createDirectories(tmp.resolve("images")))
            .stateDir(tmp.resolve("state"))
            .agentSecretFile(Files.writeString(tmp.resolve("secret"), "x"))
            .build();
    assertThat(c.libvirtUri()).isEqualTo("qemu:///system");
    assertThat(c.domainType()).isEqualTo(DomainTypeChoice.AUTO);
    assertThat(c.grid()).isEqualTo("default");
    assertThat(c.shutdownTimeout()).isEqualTo(VmNodeConfig.DEFAULT_SHUTDOWN_TIMEOUT);
    assertThat(c.guestZkConnect()).isEqualTo("10.0.2.2:2181,zk2.example.org:2181");
    assertThat(tmp.resolve("state")).isDirectory();
  }

  @Test
  void theGuestTransferTimeoutIsTheAgentsDefaultUnlessGivenAndMustBeWholeSecondsOneTo3600()
      throws Exception {
    VmNodeConfig.Builder b =
        VmNodeConfig.builder()
            .zkConnect("127.0.0.1:2181")
            .hostId("h1")
            .imagesDir(Files.createDirectories(tmp.resolve("images")))
            .stateDir(tmp.resolve("state"))
            .agentSecretFile(Files.writeString(tmp.resolve("secret"), "x"));
    assertThat(b.build().guestTransferTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(b.guestTransferTimeout(Duration.ofSeconds(3600)).build().guestTransferTimeout())
        .isEqualTo(Duration.ofHours(1));
    for (Duration bad :
        new Duration[] {
          Duration.ZERO, Duration.ofMillis(1500), Duration.ofSeconds(3601), Duration.ofSeconds(-5)
        }) {
      assertThat(b.guestTransferTimeout(bad).validate())
          .containsExactly(
              "--guest-transfer-timeout must be whole seconds between 1 and 3600 (e.g. PT60S),"
                  + " not "
                  + bad);
    }
  }

  @Test
  void loopbackNamesAndChrootsSurviveTheGuestView() {
    assertThat(VmNodeConfig.guestView("localhost:2181/roam")).isEqualTo("10.0.2.2:2181/roam");
    assertThat(VmNodeConfig.guestView("127.0.1.5:2181")).isEqualTo("10.0.2.2:2181");
    assertThat(VmNodeConfig.guestView("zk:2181")).isEqualTo("zk:2181");
  }

  private VmNodeConfig.Builder valid() throws Exception {
    Path secret = tmp.resolve("agent.secret");
    Files.writeString(secret, "s\n");
    return VmNodeConfig.builder()
        .zkConnect("127.0.0.1:2181")
        .hostId("h1")
        .imagesDir(tmp)
        .stateDir(tmp.resolve("state"))
        .agentSecretFile(secret);
  }

  @Test
  void theForwardAddressIsLoopbackUnlessGiven() throws Exception {
    assertThat(valid().build().forwardAddress()).isEqualTo("127.0.0.1");
    assertThat(valid().forwardAddress("127.0.0.1").validate()).isEmpty();
  }

  @Test
  void aForwardAddressOfThisHostIsAccepted() throws Exception {
    String mine = Fixtures.nonLoopbackAddressOfThisHost();
    org.junit.jupiter.api.Assumptions.assumeTrue(mine != null, "no non-loopback IPv4 address");
    assertThat(valid().forwardAddress(mine).build().forwardAddress()).isEqualTo(mine);
  }

  @Test
  void aForwardAddressThatPeersCouldNotReachOrQemuCouldNotBindIsRefusedWithTheReason()
      throws Exception {
    assertThat(valid().forwardAddress("0.0.0.0").validate())
        .singleElement()
        .asString()
        .contains("is the wildcard")
        .contains("peers cannot reach");
    assertThat(valid().forwardAddress("grid-a.example.org").validate())
        .singleElement()
        .asString()
        .contains("is not an IPv4 address");
    assertThat(valid().forwardAddress("::1").validate())
        .singleElement()
        .asString()
        .contains("is not an IPv4 address");
    assertThat(valid().forwardAddress("10.0.0.300").validate())
        .singleElement()
        .asString()
        .contains("is not an IPv4 address");
    assertThat(valid().forwardAddress("").validate())
        .singleElement()
        .asString()
        .contains("must not be empty");
    // TEST-NET-3 (RFC 5737), unless this machine uses it.
    String notMine = "203.0.113.77";
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.net.NetworkInterface.getByInetAddress(java.net.InetAddress.getByName(notMine))
            == null);
    assertThat(valid().forwardAddress(notMine).validate())
        .singleElement()
        .asString()
        .contains("is not an address of this host");
    assertThatThrownBy(() -> valid().forwardAddress("0.0.0.0").build())
        .hasMessageContaining("--forward-address");
  }

  @Test
  void noForwardAddressMeansLoopbackForwards() {
    VmNodeConfig c =
        new VmNodeConfig(
            "zk:2181",
            "roam",
            io.roam.common.id.HostId.of("h1"),
            "test:///default",
            DomainTypeChoice.AUTO,
            tmp,
            tmp,
            "zk:2181",
            tmp.resolve("s"),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(3),
            null,
            null);
    assertThat(c.forwardAddress()).isEqualTo("127.0.0.1");
  }
}
