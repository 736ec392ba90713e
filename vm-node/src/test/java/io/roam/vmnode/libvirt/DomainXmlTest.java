package io.roam.vmnode.libvirt;

import static io.roam.vmnode.Fixtures.desired;
import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.DesiredDomain;
import io.roam.common.model.DirectBoot;
import io.roam.common.model.PortForward;
import io.roam.vmnode.Fixtures;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.RoamMark;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.DomainSpecs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class DomainXmlTest {
  private final DomainSpecs specs = Fixtures.specs(Path.of("/images"), Path.of("/var/lib/roam"));
  private final XPath xpath = XPathFactory.newInstance().newXPath();

  private static Document parse(String xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    return f.newDocumentBuilder()
        .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
  }

  private String x(Document d, String expr) throws Exception {
    return xpath.evaluate(expr, d);
  }

  @Test
  void rendersAWellFormedDomainWithTheExpectedElements() throws Exception {
    DesiredDomain want =
        new DesiredDomain(
            NodeId.of("n1"),
            ClusterId.of("c1"),
            2,
            1536,
            "base.qcow2",
            Fixtures.SHA,
            List.of(new PortForward(17001, 7000), new PortForward(17002, 7001)));
    DomainSpec spec = specs.forDesired(want);
    Document d = parse(DomainXml.render(spec));

    assertThat(x(d, "/domain/@type")).isEqualTo("qemu");
    assertThat(x(d, "/domain/name")).isEqualTo("roam-n1");
    assertThat(x(d, "/domain/memory")).isEqualTo("1536");
    assertThat(x(d, "/domain/memory/@unit")).isEqualTo("MiB");
    assertThat(x(d, "/domain/vcpu")).isEqualTo("2");
    assertThat(x(d, "/domain/os/type")).isEqualTo("hvm");
    assertThat(x(d, "count(/domain/features/acpi)")).isEqualTo("1");
    assertThat(x(d, "count(/domain/cpu)")).as("no host-passthrough under TCG").isEqualTo("0");
    assertThat(x(d, "/domain/devices/disk[target/@dev='vda']/source/@file"))
        .isEqualTo("/var/lib/roam/domains/roam-n1/disk.qcow2");
    assertThat(x(d, "/domain/devices/disk[target/@dev='vda']/driver/@type")).isEqualTo("qcow2");
    assertThat(x(d, "/domain/devices/disk[target/@dev='vdb']/source/@file"))
        .isEqualTo("/var/lib/roam/domains/roam-n1/seed.iso");
    assertThat(x(d, "count(/domain/devices/disk[target/@dev='vdb']/readonly)")).isEqualTo("1");
    assertThat(x(d, "/domain/devices/serial/source/@path"))
        .isEqualTo("/var/lib/roam/domains/roam-n1/console.log");
    assertThat(x(d, "count(/domain/devices/interface)")).as("no libvirt network").isEqualTo("0");
    NodeList args =
        (NodeList)
            xpath.evaluate("/domain/*[local-name()='commandline']/*", d, XPathConstants.NODESET);
    assertThat(args.getLength()).isEqualTo(4);
    assertThat(x(d, "/domain/*[local-name()='commandline']/*[2]/@value"))
        .isEqualTo(
            "user,id=roamnet0,hostfwd=tcp:127.0.0.1:17001-:7000,hostfwd=tcp:127.0.0.1:17002-:7001"
                + ",hostfwd=udp:127.0.0.1:17001-:7000,hostfwd=udp:127.0.0.1:17002-:7001");
    assertThat(x(d, "/domain/*[local-name()='commandline']/*[4]/@value"))
        .matches(
            "virtio-net-pci,netdev=roamnet0,mac=52:54:00(:[0-9a-f]{2}){3},bus=pci.0,addr=0x1f");
    assertThat(DomainXml.render(spec)).doesNotContain("s3cret");
  }

  @Test
  void theForwardsBindToTheForwardAddressWhichShapesTheFingerprintOnlyWhenSet() throws Exception {
    DomainSpecs grid =
        new DomainSpecs(
            Path.of("/images"),
            Path.of("/s"),
            DomainType.QEMU,
            "t",
            "zk:2181",
            "s3cret",
            DomainSpecs.DEFAULT_GUEST_SESSION_TIMEOUT,
            "192.168.10.12");
    DesiredDomain n1 =
        new DesiredDomain(
            NodeId.of("n1"),
            ClusterId.of("c1"),
            1,
            256,
            "base.qcow2",
            Fixtures.SHA,
            List.of(new PortForward(17001, 7000), new PortForward(17002, 7001)));
    DomainSpec spec = grid.forDesired(n1);
    assertThat(spec.forwardAddress()).isEqualTo("192.168.10.12");
    Document d = parse(DomainXml.render(spec));
    assertThat(x(d, "/domain/*[local-name()='commandline']/*[2]/@value"))
        .isEqualTo(
            "user,id=roamnet0,hostfwd=tcp:192.168.10.12:17001-:7000"
                + ",hostfwd=tcp:192.168.10.12:17002-:7001"
                + ",hostfwd=udp:192.168.10.12:17001-:7000,hostfwd=udp:192.168.10.12:17002-:7001");
    assertThat(spec.seed().identity().advertise()).isEqualTo("192.168.10.12:17001");

    DomainSpecs old =
        new DomainSpecs(Path.of("/images"), Path.of("/s"), DomainType.QEMU, "t", "zk:2181", "s");
    DomainSpecs explicitLoopback =
        new DomainSpecs(
            Path.of("/images"),
            Path.of("/s"),
            DomainType.QEMU,
            "t",
            "zk:2181",
            "s",
            DomainSpecs.DEFAULT_GUEST_SESSION_TIMEOUT,
            "127.0.0.1");
    // Domains defined before the option existed are not redefined on upgrade...
    assertThat(explicitLoopback.fingerprint(n1)).isEqualTo(old.fingerprint(n1));
    // ...but changing the address redefines them, so that their forwards move.
    assertThat(grid.fingerprint(n1)).isNotEqualTo(old.fingerprint(n1));
  }

  @Test
  void theGuestTransferTimeoutShapesTheFingerprintOnlyWhenNotTheAgentsDefault() {
    DesiredDomain n1 =
        new DesiredDomain(
            NodeId.of("n1"),
            ClusterId.of("c1"),
            1,
            256,
            "base.qcow2",
            Fixtures.SHA,
            List.of(new PortForward(17001, 7000)));
    DomainSpecs old =
        new DomainSpecs(Path.of("/images"), Path.of("/s"), DomainType.QEMU, "t", "zk:2181", "s");
    DomainSpecs explicitDefault = withTransferTimeout(DomainSpecs.DEFAULT_GUEST_TRANSFER_TIMEOUT);
    DomainSpecs longer = withTransferTimeout(Duration.ofSeconds(300));
    // Domains defined before the option existed are not redefined on upgrade...
    assertThat(explicitDefault.fingerprint(n1)).isEqualTo(old.fingerprint(n1));
    // ...but a new value redefines them, so that their seeds carry it.
    assertThat(longer.fingerprint(n1)).isNotEqualTo(old.fingerprint(n1));
    assertThat(longer.forDesired(n1).seed().identity().transferTimeout())
        .isEqualTo(Duration.ofSeconds(300));
  }

  private static DomainSpecs withTransferTimeout(Duration timeout) {
    return new DomainSpecs(
        Path.of("/images"),
        Path.of("/s"),
        DomainType.QEMU,
        "t",
        "zk:2181",
        "s",
        DomainSpecs.DEFAULT_GUEST_SESSION_TIMEOUT,
        DomainSpecs.LOOPBACK_FORWARD,
        timeout);
  }

  @Test
  void kvmDomainsPassTheHostCpuThrough() throws Exception {
    DomainSpecs kvm =
        new DomainSpecs(
            Path.of("/images"), Path.of("/s"), DomainType.KVM, "t", "zk:2181", "s3cret");
    Document d = parse(DomainXml.render(kvm.forDesired(desired("n1"))));
    assertThat(x(d, "/domain/@type")).isEqualTo("kvm");
    assertThat(x(d, "/domain/cpu/@mode")).isEqualTo("host-passthrough");
  }

  @Test
  void theMarkReadsBackFromTheRenderedXml() {
    DomainSpec spec = specs.forDesired(desired("n1"));
    assertThat(DomainXml.readMark(DomainXml.render(spec))).contains(spec.mark());
  }

  @Test
  void domainsWithoutAValidMarkAreNotRoams() {
    assertThat(DomainXml.readMark("<domain type='test'><name>roam-n1</name></domain>")).isEmpty();
    assertThat(
            DomainXml.readMark(
                "<domain><metadata><x:node xmlns:x='https://example.org/other' id='n1'"
                    + " cluster='c1' spec='ab'/></metadata></domain>"))
        .isEmpty();
    assertThat(
            DomainXml.readMark(
                "<domain><metadata><r:node xmlns:r='"
                    + DomainXml.ROAM_NS
                    + "' id='Bad Id' cluster='c1' spec='ab'/></metadata></domain>"))
        .isEmpty();
    assertThat(DomainXml.readMark("not xml")).isEmpty();
    assertThat(
            DomainXml.readMark(
                "<domain><metadata><r:node xmlns:r='"
                    + DomainXml.ROAM_NS
                    + "' id='n1' cluster='c1' spec='ab'/></metadata></domain>"))
        .contains(new RoamMark(NodeId.of("n1"), ClusterId.of("c1"), "ab"));
  }

  @Test
  void aDirectlyBootedDomainNamesItsKernelInitrdAndCommandLine() throws Exception {
    DesiredDomain want =
        new DesiredDomain(
            NodeId.of("n1"),
            ClusterId.of("c1"),
            1,
            512,
            "roam-guest.qcow2",
            Fixtures.SHA,
            List.of(new PortForward(17400, 7400)),
            new DirectBoot(
                "roam-guest.vmlinuz", Fixtures.SHA, "roam-guest.initrd", Fixtures.SHA, null));
    Document d = parse(DomainXml.render(specs.forDesired(want)));
    assertThat(x(d, "/domain/os/kernel")).isEqualTo("/images/roam-guest.vmlinuz");
    assertThat(x(d, "/domain/os/initrd")).isEqualTo("/images/roam-guest.initrd");
    assertThat(x(d, "/domain/os/cmdline")).isEqualTo(DirectBoot.DEFAULT_CMDLINE);
    assertThat(x(d, "count(/domain/os/boot)")).isEqualTo("0");
    assertThat(specs.forDesired(want).mark().specFingerprint())
        .as("the boot files are part of the spec")
        .isNotEqualTo(specs.forDesired(desired("n1", 1, 512)).mark().specFingerprint());
  }
}
