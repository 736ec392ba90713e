package io.roam.vmnode.libvirt;

import io.roam.vmnode.hypervisor.DomainState;
import io.roam.vmnode.hypervisor.DomainStats;
import io.roam.vmnode.hypervisor.HostCapacity;
import io.roam.vmnode.hypervisor.Hypervisor;
import io.roam.vmnode.hypervisor.HypervisorException;
import io.roam.vmnode.hypervisor.HypervisorInfo;
import io.roam.vmnode.hypervisor.ObservedDomain;
import io.roam.vmnode.hypervisor.RoamMark;
import io.roam.vmnode.spec.DomainSpec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.NodeInfo;
import org.libvirt.jna.Libvirt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@link Hypervisor} over libvirt, through libvirt-java (JNA). The connection is opened on
 * construction (failing clearly when libvirt cannot be reached) and reopened when it dies, for
 * example when libvirtd restarts; managed domains are then found again by their mark.
 *
 * <p>Every operation on a domain by name first checks that the domain carries the Roam mark: an
 * unmanaged domain is never started, stopped, redefined or removed, whatever the caller asks.
 */
public final class LibvirtHypervisor implements Hypervisor {
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtHypervisor.class);

  /** Opens a connection; a seam for tests that make connections die. */
  interface Opener {
    Connect open() throws LibvirtException;
  }

  private final String uri;
  private final Opener opener;
  private Connect conn;

  LibvirtHypervisor(String uri, Opener opener) {
    this.uri = uri;
    this.opener = opener;
    this.conn = open(uri, opener);
  }

  /**
   * Opens a read-write connection.
   *
   * @throws HypervisorException naming the URI and the likely cause when libvirt refuses
   */
  public static LibvirtHypervisor connect(String uri) {
    return new LibvirtHypervisor(uri, () -> new Connect(uri, false));
  }

  /**
   * libvirt prints every error to stderr unless a handler is set; errors reach callers as
   * exceptions anyway, so they are only logged at debug level here. Kept in a field: JNA callbacks
   * must stay reachable.
   */
  private static final Libvirt.VirErrorCallback QUIET_ERRORS =
      (userData, error) -> LOG.debug("libvirt: {}", error.message);

  private static Connect open(String uri, Opener opener) {
    try {
      Connect.setErrorCallback(QUIET_ERRORS);
      return opener.open();
    } catch (LibvirtException e) {
      throw new HypervisorException(connectHint(uri, e), e);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      throw new HypervisorException(
          "cannot load the libvirt client library (" + e.getMessage() + "): install libvirt0", e);
    }
  }

  private static String connectHint(String uri, LibvirtException e) {
    String msg = "cannot connect to libvirt at " + uri + ": " + message(e);
    ErrorNumber code = e.getError() == null ? null : e.getError().getCode();
    if (code == ErrorNumber.VIR_ERR_NO_CONNECT) {
      return msg + " (is the URI right? e.g. qemu:///system on a host, test:///default in tests)";
    }
    if (code == ErrorNumber.VIR_ERR_SYSTEM_ERROR || code == ErrorNumber.VIR_ERR_AUTH_FAILED) {
      return msg + " (is libvirtd running, and may this user use its socket?)";
    }
    return msg;
  }

  private static String message(LibvirtException e) {
    return e.getError() != null && e.getError().getMessage() != null
        ? e.getError().getMessage()
        : String.valueOf(e.getMessage());
  }

  /** The live connection, reopened if it died. */
  private synchronized Connect conn() {
    boolean alive;
    try {
      alive = conn != null && conn.isAlive();
    } catch (LibvirtException e) {
      alive = false;
    }
    if (!alive) {
      LOG.warn("libvirt connection to {} is down; reconnecting", uri);
      closeQuietly();
      conn = open(uri, opener);
      LOG.info("reconnected to {}", uri);
    }
    return conn;
  }

  @Override
  public HypervisorInfo info() {
    Connect c = conn();
    try {
      long v = c.getLibVersion();
      String version = (v / 1_000_000) + "." + (v / 1_000 % 1_000) + "." + (v % 1_000);
      Set<String> types = new TreeSet<>();
      Optional<Path> emulator = Optional.empty();
      Document caps = parse(c.getCapabilities());
      NodeList guests = caps.getElementsByTagName("guest");
      for (int i = 0; i < guests.getLength(); i++) {
        Element guest = (Element) guests.item(i);
        Element arch = first(guest, "arch");
        if (arch == null || !"x86_64".equals(arch.getAttribute("name"))) {
          continue;
        }
        Element em = first(arch, "emulator");
        if (em != null && emulator.isEmpty() && !em.getTextContent().isBlank()) {
          emulator = Optional.of(Path.of(em.getTextContent().trim()));
        }
        NodeList domains = arch.getElementsByTagName("domain");
        for (int j = 0; j < domains.getLength(); j++) {
          types.add(((Element) domains.item(j)).getAttribute("type"));
        }
      }
      return new HypervisorInfo(uri, c.getType(), version, Set.copyOf(types), emulator);
    } catch (LibvirtException e) {
      throw failure("read the capabilities of " + uri, e);
    }
  }

  @Override
  public HostCapacity capacity() {
    Connect c = conn();
    try {
      NodeInfo node = c.nodeInfo();
      return new HostCapacity(node.cpus, node.memory * 1024, c.getFreeMemory());
    } catch (LibvirtException e) {
      throw failure("read the host's capacity", e);
    }
  }

  @Override
  public List<ObservedDomain> domains() {
    Connect c = conn();
    List<ObservedDomain> result = new ArrayList<>();
    try {
      for (int id : c.listDomains()) {
        lookup(() -> c.domainLookupByID(id)).map(this::observe).ifPresent(result::add);
      }
      for (String name : c.listDefinedDomains()) {
        lookup(() -> c.domainLookupByName(name)).map(this::observe).ifPresent(result::add);
      }
    } catch (LibvirtException e) {
      throw failure("list domains", e);
    }
    result.sort(Comparator.comparing(ObservedDomain::name));
    return List.copyOf(result);
  }

  private ObservedDomain observe(Domain d) {
    try {
      DomainInfo info = d.getInfo();
      Optional<RoamMark> mark = DomainXml.readMark(d.getXMLDesc(0));
      return new ObservedDomain(d.getName(), state(info.state), info.nrVirtCpu, info.maxMem, mark);
    } catch (LibvirtException e) {
      if (isNoDomain(e)) {
        return null; // vanished while we looked
      }
      throw failure("inspect a domain", e);
    } finally {
      free(d);
    }
  }

  @Override
  public void define(DomainSpec spec) {
    Optional<Domain> existing = find(spec.name());
    if (existing.isPresent()) {
      boolean managed = isManaged(existing.get());
      free(existing.get());
      if (!managed) {
        throw new HypervisorException(
            "refusing to define "
                + spec.name()
                + ": a domain of that name exists and vm-node does not manage it");
      }
    }
    try {
      free(conn().domainDefineXML(DomainXml.render(spec)));
    } catch (LibvirtException e) {
      throw failure("define " + spec.name(), e);
    }
  }

  @Override
  public void start(String name) {
    onManaged(name, "start", d -> d.create());
  }

  @Override
  public void shutdown(String name) {
    onManaged(name, "shut down", Domain::shutdown);
  }

  @Override
  public void destroy(String name) {
    onManaged(name, "destroy", Domain::destroy);
  }

  @Override
  public void undefine(String name) {
    onManaged(name, "undefine", Domain::undefine);
  }

  @Override
  public Optional<DomainStats> stats(String name) {
    Optional<Domain> d = find(name);
    if (d.isEmpty()) {
      return Optional.empty();
    }
    try {
      DomainInfo info = d.get().getInfo();
      return Optional.of(
          new DomainStats(name, state(info.state), info.nrVirtCpu, info.memory, info.cpuTime));
    } catch (LibvirtException e) {
      if (isNoDomain(e)) {
        return Optional.empty();
      }
      throw failure("read the stats of " + name, e);
    } finally {
      free(d.get());
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly();
    conn = null;
  }

  private void closeQuietly() {
    if (conn != null) {
      try {
        conn.close();
      } catch (LibvirtException e) {
        LOG.debug("closing the connection to {}: {}", uri, message(e));
      }
    }
  }

  private interface DomainOp {
    void apply(Domain d) throws LibvirtException;
  }

  private void onManaged(String name, String what, DomainOp op) {
    Domain d =
        find(name)
            .orElseThrow(
                () -> new HypervisorException("cannot " + what + " " + name + ": no such domain"));
    try {
      if (!isManaged(d)) {
        throw new HypervisorException(
            "refusing to " + what + " " + name + ": vm-node does not manage that domain");
      }
      op.apply(d);
    } catch (LibvirtException e) {
      throw failure(what + " " + name, e);
    } finally {
      free(d);
    }
  }

  private boolean isManaged(Domain d) {
    try {
      return DomainXml.readMark(d.getXMLDesc(0)).isPresent();
    } catch (LibvirtException e) {
      throw failure("read the XML of a domain", e);
    }
  }

  private Optional<Domain> find(String name) {
    Connect c = conn();
    return lookup(() -> c.domainLookupByName(name));
  }

  private interface Lookup {
    Domain get() throws LibvirtException;
  }

  private static Optional<Domain> lookup(Lookup lookup) {
    try {
      return Optional.ofNullable(lookup.get());
    } catch (LibvirtException e) {
      if (isNoDomain(e)) {
        return Optional.empty();
      }
      throw failure("look up a domain", e);
    }
  }

  private static boolean isNoDomain(LibvirtException e) {
    return e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN;
  }

  private static void free(Domain d) {
    try {
      d.free();
    } catch (LibvirtException e) {
      LOG.debug("freeing a domain handle: {}", message(e));
    }
  }

  static DomainState state(DomainInfo.DomainState s) {
    if (s == null) {
      return DomainState.UNKNOWN;
    }
    return switch (s) {
      case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> DomainState.RUNNING;
      case VIR_DOMAIN_PAUSED -> DomainState.PAUSED;
      case VIR_DOMAIN_SHUTDOWN -> DomainState.SHUTTING_DOWN;
      case VIR_DOMAIN_SHUTOFF -> DomainState.SHUT_OFF;
      case VIR_DOMAIN_CRASHED -> DomainState.CRASHED;
      default -> DomainState.UNKNOWN;
    };
  }

  private static HypervisorException failure(String what, LibvirtException e) {
    return new HypervisorException("libvirt could not " + what + ": " + message(e), e);
  }

  private static Document parse(String xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      return f.newDocumentBuilder()
          .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new HypervisorException("libvirt returned XML that cannot be parsed: " + e, e);
    }
  }

  private static Element first(Element parent, String tag) {
    NodeList l = parent.getElementsByTagName(tag);
    return l.getLength() == 0 ? null : (Element) l.item(0);
  }
}
