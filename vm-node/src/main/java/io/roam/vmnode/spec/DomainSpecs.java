package io.roam.vmnode.spec;

import io.roam.common.model.DesiredDomain;
import io.roam.common.model.PortForward;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.RoamMark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns what the manager wants ({@link DesiredDomain}) into a full {@link DomainSpec} for this
 * host: paths under the state directory, the host's domain type, and the identity the guest gets.
 * Pure: no file is read or written here.
 */
public final class DomainSpecs {
  private final Path imagesDir;
  private final Path domainsDir;
  private final DomainType type;
  private final String grid;
  private final String guestZkConnect;
  private final String secret;
  private final Duration guestSessionTimeout;
  private final String forwardAddress;
  private final Duration guestTransferTimeout;

  /** Where port forwards bind unless told otherwise: guests reachable from this host only. */
  public static final String LOOPBACK_FORWARD = "127.0.0.1";

  /** The host's loopback address as guests on QEMU's user-mode network see it. */
  public static final String GUEST_HOST_LOOPBACK = "10.0.2.2";

  /** Guests under software emulation stall for seconds: their sessions must outlast that. */
  public static final Duration DEFAULT_GUEST_SESSION_TIMEOUT = Duration.ofSeconds(40);

  /** The guest agent's own default {@code --transfer-timeout-s}. */
  public static final Duration DEFAULT_GUEST_TRANSFER_TIMEOUT = Duration.ofSeconds(60);

  public DomainSpecs(
      Path imagesDir,
      Path stateDir,
      DomainType type,
      String grid,
      String guestZkConnect,
      String secret) {
    this(imagesDir, stateDir, type, grid, guestZkConnect, secret, DEFAULT_GUEST_SESSION_TIMEOUT);
  }

  public DomainSpecs(
      Path imagesDir,
      Path stateDir,
      DomainType type,
      String grid,
      String guestZkConnect,
      String secret,
      Duration guestSessionTimeout) {
    this(
        imagesDir,
        stateDir,
        type,
        grid,
        guestZkConnect,
        secret,
        guestSessionTimeout,
        LOOPBACK_FORWARD);
  }

  /**
   * @param forwardAddress the host's address the guests' port forwards bind to, which the guests
   *     advertise (validated by the caller: {@code io.roam.vmnode.ForwardAddress})
   */
  public DomainSpecs(
      Path imagesDir,
      Path stateDir,
      DomainType type,
      String grid,
      String guestZkConnect,
      String secret,
      Duration guestSessionTimeout,
      String forwardAddress) {
    this(
        imagesDir,
        stateDir,
        type,
        grid,
        guestZkConnect,
        secret,
        guestSessionTimeout,
        forwardAddress,
        DEFAULT_GUEST_TRANSFER_TIMEOUT);
  }

  /**
   * @param guestTransferTimeout how long the guest agents' transfers may make no progress (whole
   *     seconds, validated by the caller: {@code io.roam.vmnode.VmNodeConfig})
   */
  public DomainSpecs(
      Path imagesDir,
      Path stateDir,
      DomainType type,
      String grid,
      String guestZkConnect,
      String secret,
      Duration guestSessionTimeout,
      String forwardAddress,
      Duration guestTransferTimeout) {
    this.forwardAddress = Objects.requireNonNull(forwardAddress);
    this.guestTransferTimeout = Objects.requireNonNull(guestTransferTimeout);
    this.imagesDir = Objects.requireNonNull(imagesDir);
    this.domainsDir = stateDir.resolve("domains");
    this.type = Objects.requireNonNull(type);
    this.grid = Objects.requireNonNull(grid);
    this.guestZkConnect = Objects.requireNonNull(guestZkConnect);
    this.secret = Objects.requireNonNull(secret);
    this.guestSessionTimeout = Objects.requireNonNull(guestSessionTimeout);
  }

  public Path domainsDir() {
    return domainsDir;
  }

  /** The state directory of a domain, by name. */
  public Path directoryOf(String name) {
    DomainNames.requireManaged(name);
    return domainsDir.resolve(name);
  }

  public DomainSpec forDesired(DesiredDomain desired) {
    String name = DomainNames.of(desired.node());
    Path dir = directoryOf(name);
    PortForward agent = desired.ports().get(0);
    // The second forward, when there is one, is the agent's migration port.
    Optional<PortForward> migration = desired.ports().stream().skip(1).findFirst();
    NodeIdentity identity =
        new NodeIdentity(
            desired.node(),
            desired.cluster(),
            grid,
            guestZkConnect,
            "0.0.0.0:" + agent.guestPort(),
            forwardAddress + ":" + agent.hostPort(),
            secret,
            migration.map(PortForward::guestPort).orElse(0),
            migration.map(PortForward::hostPort).orElse(0),
            // Still needed with a grid address: peers on this host may advertise loopback.
            GUEST_HOST_LOOPBACK,
            guestSessionTimeout,
            // The agent's default is left to the agent: seeds stay as they were without it.
            transferTimeoutChanged() ? guestTransferTimeout : null);
    return new DomainSpec(
        name,
        type,
        desired.vcpus(),
        desired.memoryMib(),
        dir,
        new DiskSpec(
            dir.resolve("disk.qcow2"), imagesDir.resolve(desired.image()), desired.imageSha256()),
        new SeedSpec(dir.resolve("seed.iso"), identity),
        desired.ports(),
        Optional.ofNullable(desired.boot())
            .map(
                b ->
                    new KernelBoot(
                        imagesDir.resolve(b.kernel()),
                        b.kernelSha256(),
                        imagesDir.resolve(b.initrd()),
                        b.initrdSha256(),
                        b.cmdline())),
        new RoamMark(desired.node(), desired.cluster(), fingerprint(desired)),
        forwardAddress);
  }

  private boolean transferTimeoutChanged() {
    return !guestTransferTimeout.equals(DEFAULT_GUEST_TRANSFER_TIMEOUT);
  }

  /**
   * A short digest of everything that shapes the VM; a domain whose mark carries another one was
   * defined from an older spec.
   */
  public String fingerprint(DesiredDomain d) {
    StringBuilder s = new StringBuilder();
    s.append(d.node()).append('|').append(d.cluster()).append('|').append(type.xmlName());
    s.append('|').append(d.vcpus()).append('|').append(d.memoryMib());
    s.append('|').append(d.image()).append('|').append(d.imageSha256());
    s.append('|').append(grid).append('|').append(guestZkConnect);
    s.append('|').append(guestSessionTimeout.toMillis());
    // Only when set: domains defined before the option existed keep their fingerprint.
    if (!forwardAddress.equals(LOOPBACK_FORWARD)) {
      s.append("|fwd|").append(forwardAddress);
    }
    if (transferTimeoutChanged()) {
      s.append("|tto|").append(guestTransferTimeout.toSeconds());
    }
    for (PortForward p : d.ports()) {
      s.append('|').append(p.hostPort()).append(':').append(p.guestPort());
    }
    if (d.boot() != null) {
      s.append("|boot|").append(d.boot().kernel()).append('|').append(d.boot().kernelSha256());
      s.append('|').append(d.boot().initrd()).append('|').append(d.boot().initrdSha256());
      s.append('|').append(d.boot().cmdline());
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(s.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
