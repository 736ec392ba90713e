package io.roam.vmnode.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.model.DesiredDomain;
import io.roam.common.model.PortForward;
import io.roam.vmnode.Fixtures;
import io.roam.vmnode.hypervisor.DomainState;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.ObservedDomain;
import io.roam.vmnode.image.ImageProvisioner;
import io.roam.vmnode.image.ImageVerifier;
import io.roam.vmnode.reconcile.Action;
import io.roam.vmnode.reconcile.PlanExecutor;
import io.roam.vmnode.reconcile.Reconciler;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.DomainSpecs;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Library;

/**
 * Against a real libvirtd ({@code qemu:///system}) and real QEMU under TCG; skipped when no
 * libvirtd answers. The guest has a blank disk: the firmware finds nothing to boot and no operating
 * system ever handles the ACPI power button, which is exactly the guest the destroy-after-timeout
 * rule is for.
 */
class LibvirtQemuTcgIT {
  private static final Path EMBED_ROOT =
      Path.of(System.getProperty("java.io.tmpdir"), "roam-vmnode-embed");
  private static final String URI =
      Optional.ofNullable(System.getenv("ROAM_IT_LIBVIRT_URI"))
          .orElse("qemu:///embed?root=" + EMBED_ROOT);
  private static Thread eventLoop;
  private LibvirtHypervisor hv;
  private Path root;
  private String name;

  @BeforeAll
  static void embeddedDriver() throws Exception {
    assumeTrue("1".equals(System.getenv("ROAM_IT_QEMU")), "opt-in: ROAM_IT_QEMU=1");
    if (!URI.startsWith("qemu:///embed")) {
      return;
    }
    // The embedded driver logs QEMU's output to files (there is no virtlogd to hand it to) and
    // needs an event loop in this process.
    Files.createDirectories(EMBED_ROOT.resolve("etc"));
    Files.writeString(EMBED_ROOT.resolve("etc/qemu.conf"), "stdio_handler = \"file\"\n");
    Library.initEventLoop();
    eventLoop =
        new Thread(
            () -> {
              try {
                Library.runEventLoop();
              } catch (Exception e) {
                // stopped
              }
            },
            "libvirt-event-loop");
    eventLoop.setDaemon(true);
    eventLoop.start();
  }

  @AfterAll
  static void stopEventLoop() throws Exception {
    if (eventLoop != null) {
      Library.stopEventLoop();
    }
  }

  @BeforeEach
  void connect() throws Exception {
    hv = LibvirtHypervisor.connect(URI);
    // QEMU runs as another user: the directories must be traversable.
    root =
        Files.createTempDirectory(
            Path.of("/var/tmp"),
            "roam-vmnode-it",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (hv == null) {
      return;
    }
    for (ObservedDomain d : hv.domains()) {
      if (d.name().equals(name) && d.managed()) {
        if (d.state().isActive()) {
          hv.destroy(d.name());
        }
        hv.undefine(d.name());
      }
    }
    hv.close();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aRealTcgDomainRunsWithItsPortForwardAndIsDestroyedWhenItIgnoresAcpi() throws Exception {
    Path images = Files.createDirectories(root.resolve("images"));
    Path base = images.resolve("blank.qcow2");
    Process p =
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "64M")
            .inheritIO()
            .start();
    assertThat(p.waitFor()).isZero();
    String node = "vmcheck-" + ProcessHandle.current().pid();
    name = "roam-" + node;
    int port = freePort();
    DomainSpecs specs =
        new DomainSpecs(
            images, root.resolve("state"), DomainType.QEMU, "it", "10.0.2.2:2181", "it-secret");
    DomainSpec spec =
        specs.forDesired(
            new DesiredDomain(
                NodeId.of(node),
                ClusterId.of("c1"),
                1,
                128,
                "blank.qcow2",
                new ImageVerifier().sha256(base),
                List.of(new PortForward(port, 22))));
    Duration timeout = Fixtures.scaled(Duration.ofSeconds(3));
    Reconciler reconciler = new Reconciler(timeout);
    PlanExecutor executor =
        new PlanExecutor(hv, new ImageProvisioner(new ImageVerifier()), specs, Clock.systemUTC());

    executor.apply(
        reconciler.plan(
            List.of(spec),
            hv.domains(),
            executor.shutdownRequested(),
            Clock.systemUTC().instant()));
    assertThat(hv.domains())
        .filteredOn(d -> d.name().equals(name))
        .singleElement()
        .extracting(ObservedDomain::state)
        .isEqualTo(DomainState.RUNNING);
    String cmdline = qemuCommandLine(name);
    assertThat(cmdline).contains("user,id=roamnet0,hostfwd=tcp:127.0.0.1:" + port + "-:22");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000); // QEMU listens for the guest
    }

    List<Action> done =
        undefineAll(
            reconciler,
            executor,
            timeout.plus(Fixtures.scaled(Duration.ofSeconds(30))),
            Duration.ofMillis(500));
    assertThat(done)
        .extracting(a -> a.getClass().getSimpleName())
        .containsExactly("Shutdown", "Destroy", "Undefine");
    assertThat(spec.directory()).doesNotExist();
  }

  @Test
  void withAForwardAddressQemuListensThereAndNotOnLoopback() throws Exception {
    String address = Fixtures.nonLoopbackAddressOfThisHost();
    assumeTrue(address != null, "this host has no non-loopback IPv4 address");
    Path images = Files.createDirectories(root.resolve("images"));
    Path base = images.resolve("blank.qcow2");
    Process p =
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "64M")
            .inheritIO()
            .start();
    assertThat(p.waitFor()).isZero();
    String node = "vmfwd-" + ProcessHandle.current().pid();
    name = "roam-" + node;
    int port = freePort();
    DomainSpecs specs =
        new DomainSpecs(
            images,
            root.resolve("state"),
            DomainType.QEMU,
            "it",
            "10.0.2.2:2181",
            "it-secret",
            DomainSpecs.DEFAULT_GUEST_SESSION_TIMEOUT,
            address);
    DomainSpec spec =
        specs.forDesired(
            new DesiredDomain(
                NodeId.of(node),
                ClusterId.of("c1"),
                1,
                128,
                "blank.qcow2",
                new ImageVerifier().sha256(base),
                List.of(new PortForward(port, 22))));
    PlanExecutor executor =
        new PlanExecutor(hv, new ImageProvisioner(new ImageVerifier()), specs, Clock.systemUTC());
    executor.apply(
        new Reconciler(Duration.ofSeconds(3))
            .plan(
                List.of(spec),
                hv.domains(),
                executor.shutdownRequested(),
                Clock.systemUTC().instant()));

    assertThat(qemuCommandLine(name)).contains("hostfwd=tcp:" + address + ":" + port + "-:22");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), 2000); // what peers on other hosts reach
    }
    try (Socket s = new Socket()) {
      assertThatThrownBy(() -> s.connect(new InetSocketAddress("127.0.0.1", port), 2000))
          .isInstanceOf(java.net.ConnectException.class);
    }
  }

  /**
   * With {@code ROAM_IT_GUEST_IMAGES} naming a directory holding the grid's guest image
   * (roam-guest.qcow2, .vmlinuz, .initrd): the guest boots from its kernel, reads its identity from
   * the seed, and powers off by itself on the ACPI request, so it is undefined without being
   * destroyed. Under TCG on our CI machines the boot takes about three minutes.
   */
  @Test
  void aRealGuestBootsFromItsKernelAndPowersOffOnAcpi() throws Exception {
    String dir = System.getenv("ROAM_IT_GUEST_IMAGES");
    assumeTrue(dir != null, "set ROAM_IT_GUEST_IMAGES to a directory with roam-guest.*");
    Path images = Path.of(dir);
    ImageVerifier v = new ImageVerifier();
    String node = "guestcheck-" + ProcessHandle.current().pid();
    name = "roam-" + node;
    DomainSpecs specs =
        new DomainSpecs(
            images, root.resolve("state"), DomainType.QEMU, "it", "10.0.2.2:2181", "it-secret");
    DomainSpec spec =
        specs.forDesired(
            new DesiredDomain(
                NodeId.of(node),
                ClusterId.of("c1"),
                1,
                1024,
                "roam-guest.qcow2",
                v.sha256(images.resolve("roam-guest.qcow2")),
                List.of(new PortForward(freePort(), 7400)),
                new io.roam.common.model.DirectBoot(
                    "roam-guest.vmlinuz",
                    v.sha256(images.resolve("roam-guest.vmlinuz")),
                    "roam-guest.initrd",
                    v.sha256(images.resolve("roam-guest.initrd")),
                    null)));
    Duration timeout = Fixtures.scaled(Duration.ofSeconds(120));
    Reconciler reconciler = new Reconciler(timeout);
    PlanExecutor executor = new PlanExecutor(hv, new ImageProvisioner(v), specs, Clock.systemUTC());
    executor.apply(
        reconciler.plan(List.of(spec), hv.domains(), Map.of(), Clock.systemUTC().instant()));
    Path console = spec.consoleLog();
    await()
        .atMost(Fixtures.scaled(Duration.ofSeconds(300)))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                Files.exists(console)
                    && Files.readString(console, StandardCharsets.ISO_8859_1)
                        .matches("(?s).*(login:|Reached target.*Multi-User).*"));
    // The guest image read its identity from the seed disk (images/guest/lib/roam-seed).
    assertThat(Files.readString(console, StandardCharsets.ISO_8859_1))
        .contains("roam-seed: node " + node + " of cluster c1, ZooKeeper 10.0.2.2:2181");

    List<Action> done =
        undefineAll(
            reconciler,
            executor,
            timeout.plus(Fixtures.scaled(Duration.ofSeconds(60))),
            Duration.ofSeconds(1));
    assertThat(done)
        .extracting(a -> a.getClass().getSimpleName())
        .containsExactly("Shutdown", "Undefine");
  }

  /** Reconciles towards no domains until this test's domain is gone; the actions taken. */
  private List<Action> undefineAll(
      Reconciler reconciler, PlanExecutor executor, Duration atMost, Duration poll) {
    List<Action> done = new ArrayList<>();
    await()
        .atMost(atMost)
        .pollInterval(poll)
        .until(
            () -> {
              done.addAll(
                  executor
                      .apply(
                          reconciler.plan(
                              List.of(),
                              hv.domains(),
                              executor.shutdownRequested(),
                              Clock.systemUTC().instant()))
                      .applied());
              return hv.domains().stream().noneMatch(d -> d.name().equals(name));
            });
    return done;
  }

  /** The command line of the QEMU process running a domain (libvirt names it guest=NAME). */
  private static String qemuCommandLine(String domain) throws Exception {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd =
              new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
          if (cmd.contains("qemu-system") && cmd.contains("guest=" + domain + ",")) {
            return cmd;
          }
        } catch (java.io.IOException e) {
          // gone meanwhile
        }
      }
    }
    throw new AssertionError("no QEMU process for " + domain);
  }
}
