package io.roam.vmnode;

import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import io.roam.store.CuratorHostStore;
import io.roam.store.StoreException;
import io.roam.vmnode.hypervisor.HypervisorException;
import io.roam.vmnode.hypervisor.HypervisorInfo;
import io.roam.vmnode.image.ImageProvisioner;
import io.roam.vmnode.image.ImageVerifier;
import io.roam.vmnode.libvirt.LibvirtHypervisor;
import io.roam.vmnode.probe.DomainTypeChoice;
import io.roam.vmnode.probe.DomainTypeDecision;
import io.roam.vmnode.probe.DomainTypeProbe;
import io.roam.vmnode.probe.QemuFirmwareProbe;
import io.roam.vmnode.spec.DomainSpecs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vm-node}: the per-host daemon that runs the grid's VMs. */
@Command(
    name = "vm-node",
    mixinStandardHelpOptions = true,
    description = {
      "Registers this host in the grid and keeps its libvirt domains as the grid manager wants"
          + " them (/roam/{grid}/desired/{host}).",
      "Exit status: 1 when libvirt or ZooKeeper cannot be reached, 2 for bad options."
    })
public final class VmNodeMain implements Callable<Integer> {
  @Option(names = "--zk", required = true, description = "ZooKeeper connect string (host:port,...)")
  String zk;

  @Option(names = "--grid", defaultValue = ZkLayout.DEFAULT_GRID, description = "grid name")
  String grid;

  @Option(names = "--host-id", required = true, description = "this host's id in the grid")
  String hostId;

  @Option(
      names = "--libvirt-uri",
      defaultValue = VmNodeConfig.DEFAULT_LIBVIRT_URI,
      description = "libvirt connection URI (default: ${DEFAULT-VALUE}; test:///default in tests)")
  String libvirtUri;

  @Option(
      names = "--domain-type",
      defaultValue = "auto",
      description = "auto, kvm or qemu (TCG); auto probes KVM (default: ${DEFAULT-VALUE})")
  String domainType;

  @Option(names = "--images-dir", required = true, description = "directory of base images")
  Path imagesDir;

  @Option(
      names = "--state-dir",
      required = true,
      description = "directory for each domain's overlay, seed and console log")
  Path stateDir;

  @Option(
      names = "--guest-zk",
      description =
          "ZooKeeper connect string as guests see it (default: --zk with loopback addresses"
              + " replaced by 10.0.2.2, the host as seen from the user-mode network)")
  String guestZk;

  @Option(
      names = "--agent-secret-file",
      description =
          "(required) file holding the grid's agent secret, handed to every guest on its seed")
  Path agentSecretFile;

  @Option(
      names = "--reconcile-interval",
      defaultValue = "PT15S",
      description = "ISO-8601 duration between periodic reconciles (default: ${DEFAULT-VALUE})")
  Duration reconcileInterval;

  @Option(
      names = "--shutdown-timeout",
      defaultValue = "PT2M",
      description =
          "how long a guest may take to power off after the ACPI request before it is"
              + " destroyed (default: ${DEFAULT-VALUE})")
  Duration shutdownTimeout;

  @Option(
      names = "--probe-timeout",
      defaultValue = "PT5S",
      description = "time limit of the KVM probe (default: ${DEFAULT-VALUE})")
  Duration probeTimeout;

  @Option(
      names = "--zk-connect-timeout",
      defaultValue = "PT20S",
      description = "how long to wait for ZooKeeper at start-up (default: ${DEFAULT-VALUE})")
  Duration zkConnectTimeout;

  @Option(
      names = "--guest-session-timeout",
      defaultValue = "PT40S",
      description =
          "ZooKeeper session timeout of the guest agents (the ensemble's maxSessionTimeout caps"
              + " it); long, because guests under software emulation stall for seconds"
              + " (default: ${DEFAULT-VALUE})")
  Duration guestSessionTimeout;

  @Option(
      names = "--guest-transfer-timeout",
      defaultValue = "PT60S",
      description =
          "how long the guest agents' migration, checkpoint and homecoming transfers may make no"
              + " progress before they are given up (their --transfer-timeout-s): whole seconds,"
              + " PT1S to PT3600S (default: ${DEFAULT-VALUE}, the agents' own default)")
  Duration guestTransferTimeout;

  @Option(
      names = "--forward-address",
      defaultValue = ForwardAddress.DEFAULT,
      paramLabel = "ADDR",
      description =
          "IPv4 address of this host that the guests' port forwards bind to and that the guests"
              + " advertise to the grid. The default ${DEFAULT-VALUE} keeps guests reachable from"
              + " this host only; give the host's address on the grid network so that nodes and"
              + " managers on other hosts reach them. Keep it off public networks: the agent API"
              + " is plain HTTP with the grid's agent secret as its bearer token.")
  String forwardAddress;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String... args) {
    return new CommandLine(new VmNodeMain()).execute(args);
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    VmNodeConfig.Builder b =
        VmNodeConfig.builder()
            .zkConnect(zk)
            .grid(grid)
            .hostId(hostId)
            .libvirtUri(libvirtUri)
            .domainType(choice(domainType))
            .imagesDir(imagesDir)
            .stateDir(stateDir)
            .guestZkConnect(guestZk)
            .agentSecretFile(agentSecretFile)
            .reconcileInterval(reconcileInterval)
            .shutdownTimeout(shutdownTimeout)
            .probeTimeout(probeTimeout)
            .zkConnectTimeout(zkConnectTimeout)
            .guestSessionTimeout(guestSessionTimeout)
            .guestTransferTimeout(guestTransferTimeout)
            .forwardAddress(forwardAddress);
    List<String> errors = b.validate();
    if (!errors.isEmpty()) {
      err.println("vm-node: invalid options:");
      errors.forEach(e -> err.println("  " + e));
      return 2;
    }
    VmNodeConfig cfg = b.build();
    try (Running running = Running.start(cfg)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    running.close();
                    stopped.countDown();
                  },
                  "vm-node-shutdown"));
      stopped.await();
      return 0;
    } catch (HypervisorException | StoreException e) {
      err.println("vm-node: " + e.getMessage());
      return 1;
    }
  }

  private static DomainTypeChoice choice(String s) {
    try {
      return DomainTypeChoice.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      return null; // reported by validate()
    }
  }

  /** A started daemon with everything it opened, closed in reverse order. */
  static final class Running implements AutoCloseable {
    private final LibvirtHypervisor hypervisor;
    private final CuratorGridStore zk;
    private final VmNode node;
    private boolean closed;

    private Running(LibvirtHypervisor hypervisor, CuratorGridStore zk, VmNode node) {
      this.hypervisor = hypervisor;
      this.zk = zk;
      this.node = node;
    }

    static Running start(VmNodeConfig cfg) throws IOException {
      String secret = Files.readString(cfg.agentSecretFile()).strip();
      LibvirtHypervisor hv = LibvirtHypervisor.connect(cfg.libvirtUri());
      CuratorGridStore zk = null;
      try {
        HypervisorInfo info = hv.info();
        DomainTypeDecision type =
            new DomainTypeProbe(new QemuFirmwareProbe(), Path.of("/dev/kvm"), cfg.probeTimeout())
                .decide(cfg.domainType(), info);
        zk =
            CuratorGridStore.connect(
                cfg.zkConnect(),
                new ZkLayout(cfg.grid()),
                cfg.zkSessionTimeout(),
                cfg.zkConnectTimeout());
        DomainSpecs specs =
            new DomainSpecs(
                cfg.imagesDir(),
                cfg.stateDir(),
                type.type(),
                cfg.grid(),
                cfg.guestZkConnect(),
                secret,
                cfg.guestSessionTimeout(),
                cfg.forwardAddress(),
                cfg.guestTransferTimeout());
        VmNode node =
            new VmNode(
                cfg.hostId(),
                hv,
                new ImageProvisioner(new ImageVerifier()),
                new CuratorHostStore(zk.client(), zk.layout()),
                specs,
                type,
                cfg.reconcileInterval(),
                cfg.shutdownTimeout(),
                Clock.systemUTC());
        node.start();
        return new Running(hv, zk, node);
      } catch (RuntimeException e) {
        if (zk != null) {
          zk.close();
        }
        hv.close();
        throw e;
      }
    }

    VmNode node() {
      return node;
    }

    CuratorGridStore zk() {
      return zk;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      node.close();
      zk.close();
      hypervisor.close();
    }
  }
}
