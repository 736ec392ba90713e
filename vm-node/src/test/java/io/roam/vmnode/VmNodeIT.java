package io.roam.vmnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roam.common.id.ClusterId;
import io.roam.common.id.HostId;
import io.roam.common.id.NodeId;
import io.roam.common.model.DesiredDomain;
import io.roam.common.model.HostDesiredState;
import io.roam.common.model.HostRecord;
import io.roam.common.model.PortForward;
import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import io.roam.store.CuratorHostStore;
import io.roam.vmnode.probe.DomainTypeChoice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;

/**
 * The whole daemon, wired as {@code vm-node} wires it, against a real in-process ZooKeeper and
 * libvirt's test driver, with real base images, overlays and seeds.
 */
class VmNodeIT {
  private static final HostId HOST = HostId.of("h1");
  private static final ZkLayout LAYOUT = new ZkLayout("it");
  private static final Duration WAIT = Fixtures.scaled(Duration.ofSeconds(20));

  @TempDir Path tmp;
  private TestingServer zk;
  private CuratorGridStore manager;
  private CuratorHostStore hosts;
  private Connect libvirt; // keeps the test driver's state alive across daemon restarts
  private String sha;
  private final List<VmNodeMain.Running> daemons = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    zk = new TestingServer();
    manager =
        CuratorGridStore.connect(
            zk.getConnectString(), LAYOUT, Duration.ofSeconds(10), Duration.ofSeconds(10));
    hosts = new CuratorHostStore(manager.client(), LAYOUT);
    libvirt = new Connect("test:///default", false);
    Path images = Files.createDirectories(tmp.resolve("images"));
    Process p =
        new ProcessBuilder(
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                images.resolve("base.qcow2").toString(),
                "64M")
            .inheritIO()
            .start();
    assertThat(p.waitFor()).isZero();
    sha = new io.roam.vmnode.image.ImageVerifier().sha256(images.resolve("base.qcow2"));
  }

  @AfterEach
  void tearDown() throws Exception {
    daemons.forEach(VmNodeMain.Running::close);
    for (String name : libvirt.listDefinedDomains()) {
      if (name.startsWith("roam-")) {
        libvirt.domainLookupByName(name).undefine();
      }
    }
    for (int id : libvirt.listDomains()) {
      Domain d = libvirt.domainLookupByID(id);
      if (d.getName().startsWith("roam-")) {
        d.destroy();
        d.undefine();
      }
    }
    libvirt.close();
    manager.close();
    zk.close();
  }

  private VmNodeMain.Running startDaemon() throws Exception {
    return startDaemon(ForwardAddress.DEFAULT);
  }

  private VmNodeMain.Running startDaemon(String forwardAddress) throws Exception {
    Path secret = tmp.resolve("agent.secret");
    Files.writeString(secret, "s3cret-token\n");
    VmNodeConfig cfg =
        VmNodeConfig.builder()
            .zkConnect(zk.getConnectString())
            .grid("it")
            .hostId(HOST.value())
            .libvirtUri("test:///default")
            .domainType(DomainTypeChoice.AUTO)
            .imagesDir(tmp.resolve("images"))
            .stateDir(tmp.resolve("state"))
            .agentSecretFile(secret)
            .reconcileInterval(Duration.ofMillis(500))
            .shutdownTimeout(Duration.ofSeconds(30))
            .forwardAddress(forwardAddress)
            .build();
    VmNodeMain.Running r = VmNodeMain.Running.start(cfg);
    daemons.add(r);
    return r;
  }

  private DesiredDomain want(String node, int hostPort, String sha256) {
    return new DesiredDomain(
        NodeId.of(node),
        ClusterId.of("c1"),
        1,
        256,
        "base.qcow2",
        sha256,
        List.of(new PortForward(hostPort, 7000)));
  }

  private List<String> roamDomains() throws Exception {
    List<String> names = new ArrayList<>(Arrays.asList(libvirt.listDefinedDomains()));
    for (int id : libvirt.listDomains()) {
      names.add(libvirt.domainLookupByID(id).getName());
    }
    return names.stream().filter(n -> n.startsWith("roam-")).sorted().toList();
  }

  private DomainState state(String name) throws Exception {
    return libvirt.domainLookupByName(name).getInfo().state;
  }

  private Path domainDir(String name) {
    return tmp.resolve("state/domains").resolve(name);
  }

  @Test
  void desiredDomainsAppearAndGoAndTheHostRecordLivesWithTheDaemon() throws Exception {
    VmNodeMain.Running daemon = startDaemon();

    HostRecord host = hosts.host(HOST).orElseThrow();
    assertThat(host.domainType()).isEqualTo("qemu");
    assertThat(host.domainTypeReason()).contains("offers no kvm");
    assertThat(host.libvirtVersion()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(host.cpus()).isPositive();

    hosts.putDesiredState(
        HOST, new HostDesiredState(List.of(want("n1", 17101, sha), want("n2", 17102, sha))));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(roamDomains()).containsExactly("roam-n1", "roam-n2");
              assertThat(state("roam-n1")).isEqualTo(DomainState.VIR_DOMAIN_RUNNING);
              assertThat(state("roam-n2")).isEqualTo(DomainState.VIR_DOMAIN_RUNNING);
            });
    String xml = libvirt.domainLookupByName("roam-n1").getXMLDesc(0);
    assertThat(xml).contains(domainDir("roam-n1").resolve("disk.qcow2").toString());
    assertThat(domainDir("roam-n1").resolve("disk.qcow2")).exists();
    assertThat(domainDir("roam-n1").resolve("seed.iso")).exists();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(hosts.host(HOST).orElseThrow().domains())
                    .extracting(HostRecord.Domain::name, HostRecord.Domain::state)
                    .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("roam-n1", "running"),
                        org.assertj.core.groups.Tuple.tuple("roam-n2", "running")));
    assertThat(hosts.host(HOST).orElseThrow().freeVcpus()).isLessThan(host.freeVcpus());

    hosts.deleteDesiredState(HOST);
    await().atMost(WAIT).untilAsserted(() -> assertThat(roamDomains()).isEmpty());
    assertThat(domainDir("roam-n1")).doesNotExist();
    assertThat(state("test"))
        .as("the driver's own domain")
        .isEqualTo(DomainState.VIR_DOMAIN_RUNNING);

    daemon.close();
    assertThat(hosts.host(HOST)).isEmpty();
  }

  @Test
  void aRestartedDaemonAdoptsItsDomainsInsteadOfRedefiningThem() throws Exception {
    VmNodeMain.Running first = startDaemon();
    hosts.putDesiredState(HOST, new HostDesiredState(List.of(want("n3", 17103, sha))));
    await()
        .atMost(WAIT)
        .until(
            () ->
                roamDomains().contains("roam-n3")
                    && state("roam-n3") == DomainState.VIR_DOMAIN_RUNNING);
    String uuid = libvirt.domainLookupByName("roam-n3").getUUIDString();
    int id = libvirt.domainLookupByName("roam-n3").getID();
    first.close();
    assertThat(hosts.host(HOST)).isEmpty();
    assertThat(state("roam-n3"))
        .as("stopping the daemon leaves VMs running")
        .isEqualTo(DomainState.VIR_DOMAIN_RUNNING);

    startDaemon();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(hosts.host(HOST).orElseThrow().domains())
                    .extracting(HostRecord.Domain::name)
                    .containsExactly("roam-n3"));
    Domain d = libvirt.domainLookupByName("roam-n3");
    assertThat(d.getUUIDString()).isEqualTo(uuid);
    assertThat(d.getID()).as("not restarted").isEqualTo(id);
  }

  @Test
  void aBaseImageWithTheWrongChecksumDefinesNothingAndTheOthersGoOn() throws Exception {
    startDaemon();
    String wrong = "f".repeat(64);
    hosts.putDesiredState(
        HOST, new HostDesiredState(List.of(want("n4", 17104, wrong), want("n5", 17105, sha))));
    await().atMost(WAIT).until(() -> roamDomains().contains("roam-n5"));
    // Through several reconciles (every 500 ms) the bad one stays away, and leaves no files.
    await()
        .during(Duration.ofMillis(1500))
        .atMost(WAIT)
        .until(() -> roamDomains().equals(List.of("roam-n5")));
    assertThat(domainDir("roam-n4")).doesNotExist();
    assertThat(hosts.host(HOST).orElseThrow().problems())
        .singleElement()
        .asString()
        .contains("roam-n4: define failed")
        .contains("f".repeat(64) + " is expected");

    hosts.putDesiredState(
        HOST, new HostDesiredState(List.of(want("n4", 17104, sha), want("n5", 17105, sha))));
    await().atMost(WAIT).until(() -> roamDomains().equals(List.of("roam-n4", "roam-n5")));
    await().atMost(WAIT).until(() -> hosts.host(HOST).orElseThrow().problems().isEmpty());
  }

  @Test
  void aDirectlyBootedDomainGetsItsKernelAndASeedWithTheNodeIdentity() throws Exception {
    startDaemon();
    Path images = tmp.resolve("images");
    Files.writeString(images.resolve("vmlinuz"), "a kernel");
    Files.writeString(images.resolve("initrd"), "an initrd");
    var verifier = new io.roam.vmnode.image.ImageVerifier();
    DesiredDomain n6 = want("n6", 17106, sha);
    n6 =
        new DesiredDomain(
            n6.node(),
            n6.cluster(),
            n6.vcpus(),
            n6.memoryMib(),
            n6.image(),
            n6.imageSha256(),
            n6.ports(),
            new io.roam.common.model.DirectBoot(
                "vmlinuz",
                verifier.sha256(images.resolve("vmlinuz")),
                "initrd",
                verifier.sha256(images.resolve("initrd")),
                null));
    hosts.putDesiredState(HOST, new HostDesiredState(List.of(n6)));
    await().atMost(WAIT).until(() -> roamDomains().contains("roam-n6"));
    assertThat(libvirt.domainLookupByName("roam-n6").getXMLDesc(0))
        .contains("<kernel>" + images.resolve("vmlinuz") + "</kernel>")
        .contains("<cmdline>root=/dev/vda rw console=ttyS0,115200</cmdline>");
    Path iso = domainDir("roam-n6").resolve("seed.iso");
    assertThat(isoFile(iso, "/roam.env"))
        .contains("ROAM_NODE_ID=n6\n")
        .contains("ROAM_GRID=it\n")
        .contains("ROAM_ZK=10.0.2.2:" + zk.getPort() + "\n")
        .contains("ROAM_BIND=0.0.0.0:7000\n")
        .contains("ROAM_ADVERTISE=127.0.0.1:17106\n");
    assertThat(isoFile(iso, "/agent.secret")).isEqualTo("s3cret-token\n");
  }

  @Test
  void withAForwardAddressTheGuestAdvertisesIt() throws Exception {
    String address = Fixtures.nonLoopbackAddressOfThisHost();
    assumeTrue(address != null, "this host has no non-loopback IPv4 address");
    startDaemon(address);
    DesiredDomain n7 =
        new DesiredDomain(
            NodeId.of("n7"),
            ClusterId.of("c1"),
            1,
            256,
            "base.qcow2",
            sha,
            List.of(new PortForward(17107, 7000), new PortForward(17108, 7001)));
    hosts.putDesiredState(HOST, new HostDesiredState(List.of(n7)));
    await().atMost(WAIT).until(() -> roamDomains().contains("roam-n7"));
    // The test driver drops <qemu:commandline>, so the forwards themselves are checked by
    // DomainXmlTest and, with real QEMU, by LibvirtQemuTcgIT.
    Path iso = domainDir("roam-n7").resolve("seed.iso");
    assertThat(isoFile(iso, "/roam.env"))
        .contains("ROAM_ADVERTISE=" + address + ":17107\n")
        .contains("ROAM_ADVERTISE_MIGRATION_PORT=17108\n")
        // Peers on this host that still advertise loopback are reached through QEMU's gateway.
        .contains("ROAM_HOST_LOOPBACK=10.0.2.2\n");
  }

  private static String isoFile(Path iso, String file) throws Exception {
    Process p = new ProcessBuilder("isoinfo", "-R", "-i", iso.toString(), "-x", file).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    return out;
  }

  @Test
  void afterItsZooKeeperSessionExpiresTheDaemonRegistersAgainAndKeepsFollowing() throws Exception {
    VmNodeMain.Running daemon = startDaemon();
    hosts.putDesiredState(HOST, new HostDesiredState(List.of(want("n7", 17107, sha))));
    await().atMost(WAIT).until(() -> roamDomains().contains("roam-n7"));
    long before = manager.client().checkExists().forPath(LAYOUT.host(HOST)).getEphemeralOwner();

    daemon
        .zk()
        .client()
        .getZookeeperClient()
        .getZooKeeper()
        .getTestable()
        .injectSessionExpiration();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              var stat = manager.client().checkExists().forPath(LAYOUT.host(HOST));
              return stat != null && stat.getEphemeralOwner() != before;
            });

    hosts.putDesiredState(
        HOST, new HostDesiredState(List.of(want("n7", 17107, sha), want("n8", 17108, sha))));
    await().atMost(WAIT).until(() -> roamDomains().equals(List.of("roam-n7", "roam-n8")));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(hosts.host(HOST).orElseThrow().domains())
                    .extracting(HostRecord.Domain::name)
                    .containsExactly("roam-n7", "roam-n8"));
  }

  @Test
  void aZooKeeperRestartDoesNotStopTheDaemonFollowingTheDesiredState() throws Exception {
    startDaemon();
    hosts.putDesiredState(HOST, new HostDesiredState(List.of(want("n9", 17109, sha))));
    await().atMost(WAIT).until(() -> roamDomains().contains("roam-n9"));
    zk.restart();
    await().atMost(WAIT).until(() -> hosts.host(HOST).isPresent());
    hosts.deleteDesiredState(HOST);
    await().atMost(WAIT).until(() -> roamDomains().isEmpty());
  }

  @Test
  void aSecondDaemonForTheSameHostIsRefusedAndTheFirstGoesOn() throws Exception {
    startDaemon();
    assertThatThrownBy(this::startDaemon)
        .isInstanceOf(io.roam.store.StoreException.class)
        .hasMessageContaining("host h1 is already registered by another live vm-node");
    hosts.putDesiredState(HOST, new HostDesiredState(List.of(want("n10", 17110, sha))));
    await().atMost(WAIT).until(() -> roamDomains().contains("roam-n10"));
    assertThat(hosts.host(HOST)).isPresent();
  }
}
