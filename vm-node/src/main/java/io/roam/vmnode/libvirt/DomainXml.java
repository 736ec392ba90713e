package io.roam.vmnode.libvirt;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.PortForward;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.RoamMark;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.KernelBoot;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The one renderer of libvirt domain XML for Roam VMs, and the reader of the Roam mark back out of
 * a domain's XML.
 *
 * <p>Networking is QEMU's user-mode network (slirp) with {@code hostfwd} rules bound to the spec's
 * forward address (127.0.0.1 unless vm-node was given {@code --forward-address}), passed through
 * {@code <qemu:commandline>}: libvirt 9.0 (Debian 12) offers port forwards only with the passt
 * backend, which its build does not accept. No bridge, no address on a private range.
 */
public final class DomainXml {
  /** The XML namespace of the Roam mark inside {@code <metadata>}. */
  public static final String ROAM_NS = "https://roam.io/xmlns/vm-node/1";

  public static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";
  private static final String NETDEV_ID = "roamnet0";
  private static final String NIC_PCI_SLOT = "0x1f";

  private DomainXml() {}

  public static String render(DomainSpec spec) {
    Document doc = newBuilder().newDocument();
    Element domain = doc.createElement("domain");
    doc.appendChild(domain);
    domain.setAttribute("type", spec.type().xmlName());
    domain.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:qemu", QEMU_NS);

    text(domain, "name", spec.name());
    RoamMark mark = spec.mark();
    text(domain, "title", "Roam node " + mark.node() + " (cluster " + mark.cluster() + ")");
    Element metadata = child(domain, "metadata");
    Element roam = doc.createElementNS(ROAM_NS, "roam:node");
    roam.setAttribute("id", mark.node().value());
    roam.setAttribute("cluster", mark.cluster().value());
    roam.setAttribute("spec", mark.specFingerprint());
    metadata.appendChild(roam);

    text(domain, "memory", Long.toString(spec.memoryMib())).setAttribute("unit", "MiB");
    text(domain, "vcpu", Integer.toString(spec.vcpus()));
    Element os = child(domain, "os");
    Element type = text(os, "type", "hvm");
    type.setAttribute("arch", "x86_64");
    type.setAttribute("machine", "pc"); // i440fx: the NIC below sits on its bus pci.0
    if (spec.boot().isPresent()) {
      KernelBoot k = spec.boot().get();
      text(os, "kernel", k.kernel().toString());
      text(os, "initrd", k.initrd().toString());
      text(os, "cmdline", k.cmdline());
    } else {
      child(os, "boot").setAttribute("dev", "hd");
    }
    Element features = child(domain, "features");
    child(features, "acpi"); // without ACPI the guest cannot be asked to power off
    child(features, "apic");
    if (spec.type() == DomainType.KVM) {
      child(domain, "cpu").setAttribute("mode", "host-passthrough");
    }
    child(domain, "clock").setAttribute("offset", "utc");
    text(domain, "on_poweroff", "destroy");
    text(domain, "on_reboot", "restart");
    text(domain, "on_crash", "destroy");

    Element devices = child(domain, "devices");
    disk(devices, "qcow2", spec.disk().overlay().toString(), "vda");
    Element seed = disk(devices, "raw", spec.seed().iso().toString(), "vdb");
    child(seed, "readonly");
    Element serial = child(devices, "serial");
    serial.setAttribute("type", "file");
    child(serial, "source").setAttribute("path", spec.consoleLog().toString());
    child(serial, "target").setAttribute("port", "0");
    Element rng = child(devices, "rng");
    rng.setAttribute("model", "virtio");
    text(rng, "backend", "/dev/urandom").setAttribute("model", "random");

    Element cmd = doc.createElementNS(QEMU_NS, "qemu:commandline");
    domain.appendChild(cmd);
    StringBuilder netdev = new StringBuilder("user,id=" + NETDEV_ID);
    for (PortForward p : spec.ports()) {
      netdev
          .append(",hostfwd=tcp:")
          .append(spec.forwardAddress())
          .append(':')
          .append(p.hostPort())
          .append("-:");
      netdev.append(p.guestPort());
    }
    // UDP too: the agent gossips its load over UDP on its migration port's number.
    for (PortForward p : spec.ports()) {
      netdev
          .append(",hostfwd=udp:")
          .append(spec.forwardAddress())
          .append(':')
          .append(p.hostPort())
          .append("-:");
      netdev.append(p.guestPort());
    }
    arg(cmd, "-netdev");
    arg(cmd, netdev.toString());
    arg(cmd, "-device");
    // libvirt hands out PCI slots from 2 upwards to the devices it knows; the NIC it does not know
    // about takes the last slot of the bus so that they never collide.
    arg(
        cmd,
        "virtio-net-pci,netdev="
            + NETDEV_ID
            + ",mac="
            + mac(mark.node())
            + ",bus=pci.0,addr="
            + NIC_PCI_SLOT);
    return serialize(doc);
  }

  /** The Roam mark of a domain, if its XML carries one. Malformed marks count as absent. */
  public static Optional<RoamMark> readMark(String domainXml) {
    Document doc;
    try {
      DocumentBuilderFactory f = secureFactory();
      f.setNamespaceAware(true);
      doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(bytes(domainXml)));
    } catch (Exception e) {
      return Optional.empty();
    }
    NodeList marks = doc.getElementsByTagNameNS(ROAM_NS, "node");
    if (marks.getLength() != 1) {
      return Optional.empty();
    }
    Element m = (Element) marks.item(0);
    if (!"metadata".equals(m.getParentNode().getNodeName())) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new RoamMark(
              NodeId.of(m.getAttribute("id")),
              ClusterId.of(m.getAttribute("cluster")),
              nonEmpty(m.getAttribute("spec"))));
    } catch (IllegalArgumentException | NullPointerException e) {
      return Optional.empty();
    }
  }

  /** A locally administered unicast MAC derived from the node id (52:54:00 is QEMU's prefix). */
  static String mac(NodeId node) {
    int v = node.value().hashCode();
    byte[] h = {(byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(h);
  }

  private static String nonEmpty(String s) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException("empty");
    }
    return s;
  }

  private static Element disk(Element devices, String format, String file, String target) {
    Element disk = child(devices, "disk");
    disk.setAttribute("type", "file");
    disk.setAttribute("device", "disk");
    Element driver = child(disk, "driver");
    driver.setAttribute("name", "qemu");
    driver.setAttribute("type", format);
    child(disk, "source").setAttribute("file", file);
    Element t = child(disk, "target");
    t.setAttribute("dev", target);
    t.setAttribute("bus", "virtio");
    return disk;
  }

  private static void arg(Element cmd, String value) {
    Element arg = cmd.getOwnerDocument().createElementNS(QEMU_NS, "qemu:arg");
    arg.setAttribute("value", value);
    cmd.appendChild(arg);
  }

  private static Element child(Element parent, String name) {
    Element e = parent.getOwnerDocument().createElement(name);
    parent.appendChild(e);
    return e;
  }

  private static Element text(Element parent, String name, String text) {
    Element e = child(parent, name);
    e.setTextContent(text);
    return e;
  }

  private static String serialize(Document doc) {
    try {
      Transformer t = TransformerFactory.newInstance().newTransformer();
      t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      t.setOutputProperty(OutputKeys.INDENT, "yes");
      t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
      StringWriter out = new StringWriter();
      t.transform(new DOMSource(doc), new StreamResult(out));
      return out.toString();
    } catch (TransformerException e) {
      throw new IllegalStateException("cannot serialise domain XML", e);
    }
  }

  private static DocumentBuilder newBuilder() {
    try {
      return secureFactory().newDocumentBuilder();
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static DocumentBuilderFactory secureFactory() {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    try {
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
    f.setExpandEntityReferences(false);
    return f;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
