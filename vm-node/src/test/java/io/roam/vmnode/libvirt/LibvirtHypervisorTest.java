package io.roam.vmnode.libvirt;

import static io.roam.vmnode.Fixtures.desired;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.vmnode.Fixtures;
import io.roam.vmnode.hypervisor.DomainState;
import io.roam.vmnode.hypervisor.HypervisorException;
import io.roam.vmnode.hypervisor.ObservedDomain;
import io.roam.vmnode.reconcile.Reconciler;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.DomainSpecs;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;

/**
 * The real adapter against libvirt's built-in test driver ({@code test:///default}): real
 * libvirt-java calls, real domain XML parsing by libvirt, no daemon. The driver's state lives as
 * long as one connection to it is open in this process, so {@link #driver} holds one: closing the
 * adapter and opening a new one is then what a vm-node restart looks like to libvirt.
 */
class LibvirtHypervisorTest {
  private static final String URI = "test:///default";
  private final DomainSpecs specs = Fixtures.specs(Path.of("/images"), Path.of("/var/lib/roam"));
  private Connect driver;
  private LibvirtHypervisor hv;

  @BeforeEach
  void open() throws Exception {
    driver = new Connect(URI, false);
    hv = LibvirtHypervisor.connect(URI);
  }

  @AfterEach
  void close() throws Exception {
    for (ObservedDomain d : hv.domains()) {
      if (d.managed()) {
        if (d.state().isActive()) {
          hv.destroy(d.name());
        }
        hv.undefine(d.name());
      }
    }
    hv.close();
    driver.close();
  }

  private ObservedDomain find(String name) {
    return hv.domains().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void reportsVersionCapacityAndTheDriversOwnDomain() {
    assertThat(hv.info().libvirtVersion()).matches("\\d+\\.\\d+\\.\\d+");
    assertThat(hv.info().driver()).isEqualToIgnoringCase("test");
    assertThat(hv.capacity().cpus()).isPositive();
    assertThat(hv.capacity().memoryBytes()).isPositive();
    ObservedDomain test = find("test");
    assertThat(test.managed()).isFalse();
    assertThat(test.state()).isEqualTo(DomainState.RUNNING);
  }

  @Test
  void definesStartsShutsDownAndUndefinesARealTestDriverDomain() {
    DomainSpec spec = specs.forDesired(desired("lv1", 2, 512));
    hv.define(spec);
    ObservedDomain defined = find("roam-lv1");
    assertThat(defined.state()).isEqualTo(DomainState.SHUT_OFF);
    assertThat(defined.mark()).contains(spec.mark());
    assertThat(defined.vcpus()).isEqualTo(2);
    assertThat(defined.memoryKib()).isEqualTo(512 * 1024);

    hv.start("roam-lv1");
    assertThat(find("roam-lv1").state()).isEqualTo(DomainState.RUNNING);
    assertThat(hv.stats("roam-lv1").orElseThrow().vcpus()).isEqualTo(2);

    hv.shutdown("roam-lv1"); // the test driver's guests obey ACPI at once
    assertThat(find("roam-lv1").state()).isEqualTo(DomainState.SHUT_OFF);

    hv.start("roam-lv1");
    hv.destroy("roam-lv1");
    assertThat(find("roam-lv1").state()).isEqualTo(DomainState.SHUT_OFF);

    hv.undefine("roam-lv1");
    assertThat(hv.domains()).extracting(ObservedDomain::name).doesNotContain("roam-lv1");
    assertThat(hv.stats("roam-lv1")).isEmpty();
  }

  @Test
  void managedDomainsAreAdoptedByTheNextConnection() {
    DomainSpec a = specs.forDesired(desired("lv2"));
    DomainSpec b = specs.forDesired(desired("lv3"));
    hv.define(a);
    hv.start(a.name());
    hv.define(b);
    hv.close();

    hv = LibvirtHypervisor.connect(URI);
    List<ObservedDomain> seen = hv.domains();
    assertThat(seen)
        .filteredOn(ObservedDomain::managed)
        .extracting(ObservedDomain::name, ObservedDomain::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("roam-lv2", DomainState.RUNNING),
            org.assertj.core.groups.Tuple.tuple("roam-lv3", DomainState.SHUT_OFF));
    // With the same desired state, the reconciler only starts the stopped one: nothing is
    // redefined.
    assertThat(
            new Reconciler(Duration.ofSeconds(1))
                .plan(List.of(a, b), seen, Map.of(), Instant.EPOCH)
                .actions())
        .containsExactly(new io.roam.vmnode.reconcile.Action.Start("roam-lv3"));
  }

  @Test
  void neverTouchesTheUnmanagedTestDomain() {
    for (Runnable op :
        List.<Runnable>of(
            () -> hv.shutdown("test"),
            () -> hv.destroy("test"),
            () -> hv.undefine("test"),
            () -> hv.start("test"))) {
      assertThatThrownBy(op::run)
          .isInstanceOf(HypervisorException.class)
          .hasMessageContaining("does not manage");
    }
    assertThat(find("test").state()).isEqualTo(DomainState.RUNNING);
  }

  @Test
  void refusesToRedefineAnUnmanagedDomainThatHasARoamName() throws Exception {
    driver
        .domainDefineXML(
            "<domain type='test'><name>roam-lv4</name><memory>65536</memory>"
                + "<os><type>hvm</type></os></domain>")
        .free();
    try {
      assertThatThrownBy(() -> hv.define(specs.forDesired(desired("lv4"))))
          .hasMessageContaining("does not manage");
      assertThat(find("roam-lv4").managed()).isFalse();
    } finally {
      driver.domainLookupByName("roam-lv4").undefine();
    }
  }

  @Test
  void aMissingDomainIsAClearError() {
    assertThatThrownBy(() -> hv.start("roam-nope")).hasMessageContaining("no such domain");
  }

  @Test
  void anUnknownUriIsAClearError() {
    assertThatThrownBy(() -> LibvirtHypervisor.connect("nosuch:///x"))
        .isInstanceOf(HypervisorException.class)
        .hasMessageContaining("cannot connect to libvirt at nosuch:///x");
  }

  @Test
  void aDaemonThatIsNotRunningIsAClearError() {
    // A socket path where no libvirtd listens: what qemu:///system sees while libvirtd is down.
    String uri = "qemu:///system?socket=/nonexistent/libvirt-sock";
    assertThatThrownBy(() -> LibvirtHypervisor.connect(uri))
        .isInstanceOf(HypervisorException.class)
        .hasMessageContaining("cannot connect to libvirt at " + uri)
        .hasMessageContaining("libvirtd running");
  }

  @Test
  void aConnectionThatDiesIsReopenedAndTheDomainsAreFoundAgain() throws Exception {
    List<Connect> opened = new java.util.ArrayList<>();
    LibvirtHypervisor.Opener opener =
        () -> {
          Connect c = new Connect(URI, false);
          opened.add(c);
          return c;
        };
    LibvirtHypervisor own = new LibvirtHypervisor(URI, opener);
    try {
      own.define(specs.forDesired(desired("lv5")));
      opened.get(0).close(); // what a libvirtd restart does to the daemon's connection
      assertThat(own.domains())
          .filteredOn(ObservedDomain::managed)
          .extracting(ObservedDomain::name)
          .contains("roam-lv5");
      assertThat(opened).hasSize(2);
    } finally {
      own.close();
    }
  }
}
