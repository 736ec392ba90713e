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
  void loopbackNamesAndChrootsSurviveTheGuestView() {
    assertThat(VmNodeConfig.guestView("localhost:2181/roam")).isEqualTo("10.0.2.2:2181/roam");
    assertThat(VmNodeConfig.guestView("127.0.1.5:2181")).isEqualTo("10.0.2.2:2181");
    assertThat(VmNodeConfig.guestView("zk:2181")).isEqualTo("zk:2181");
  }
}
