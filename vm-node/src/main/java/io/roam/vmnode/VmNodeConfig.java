package io.roam.vmnode;

import io.roam.common.id.HostId;
import io.roam.common.zk.ZkLayout;
import io.roam.vmnode.probe.DomainTypeChoice;
import io.roam.vmnode.probe.DomainTypeProbe;
import io.roam.vmnode.spec.DomainSpecs;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The validated configuration of one vm-node daemon. {@link #validate} reports every problem at
 * once; {@link #build} refuses to make a config that has any.
 */
public record VmNodeConfig(
    String zkConnect,
    String grid,
    HostId hostId,
    String libvirtUri,
    DomainTypeChoice domainType,
    Path imagesDir,
    Path stateDir,
    String guestZkConnect,
    Path agentSecretFile,
    Duration reconcileInterval,
    Duration shutdownTimeout,
    Duration probeTimeout,
    Duration zkSessionTimeout,
    Duration zkConnectTimeout,
    Duration guestSessionTimeout,
    String forwardAddress,
    Duration guestTransferTimeout) {

  public VmNodeConfig {
    // Without a forward address, guests are reachable from this host only.
    if (forwardAddress == null) {
      forwardAddress = ForwardAddress.DEFAULT;
    }
    if (guestTransferTimeout == null) {
      guestTransferTimeout = DomainSpecs.DEFAULT_GUEST_TRANSFER_TIMEOUT;
    }
  }

  /** The guest agent's bounds of {@code --transfer-timeout-s}, in seconds. */
  public static final long MIN_GUEST_TRANSFER_TIMEOUT_S = 1;

  public static final long MAX_GUEST_TRANSFER_TIMEOUT_S = 3600;

  public static final String DEFAULT_LIBVIRT_URI = "qemu:///system";
  public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(120);
  public static final Duration DEFAULT_ZK_SESSION_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_ZK_CONNECT_TIMEOUT = Duration.ofSeconds(20);

  /** The address of the host's loopback as QEMU's user-mode network shows it to guests. */
  public static final String SLIRP_HOST = "10.0.2.2";

  /** A mutable builder; {@link #build()} validates. */
  public static final class Builder {
    String zkConnect;
    String grid = ZkLayout.DEFAULT_GRID;
    String hostId;
    String libvirtUri = DEFAULT_LIBVIRT_URI;
    DomainTypeChoice domainType = DomainTypeChoice.AUTO;
    Path imagesDir;
    Path stateDir;
    String guestZkConnect;
    Path agentSecretFile;
    Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;
    Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    Duration probeTimeout = DomainTypeProbe.DEFAULT_TIMEOUT;
    Duration zkSessionTimeout = DEFAULT_ZK_SESSION_TIMEOUT;
    Duration zkConnectTimeout = DEFAULT_ZK_CONNECT_TIMEOUT;
    Duration guestSessionTimeout = DomainSpecs.DEFAULT_GUEST_SESSION_TIMEOUT;
    String forwardAddress = ForwardAddress.DEFAULT;
    Duration guestTransferTimeout = DomainSpecs.DEFAULT_GUEST_TRANSFER_TIMEOUT;

    public Builder zkConnect(String v) {
      zkConnect = v;
      return this;
    }

    public Builder grid(String v) {
      grid = v;
      return this;
    }

    public Builder hostId(String v) {
      hostId = v;
      return this;
    }

    public Builder libvirtUri(String v) {
      libvirtUri = v;
      return this;
    }

    public Builder domainType(DomainTypeChoice v) {
      domainType = v;
      return this;
    }

    public Builder imagesDir(Path v) {
      imagesDir = v;
      return this;
    }

    public Builder stateDir(Path v) {
      stateDir = v;
      return this;
    }

    public Builder guestZkConnect(String v) {
      guestZkConnect = v;
      return this;
    }

    public Builder agentSecretFile(Path v) {
      agentSecretFile = v;
      return this;
    }

    public Builder reconcileInterval(Duration v) {
      reconcileInterval = v;
      return this;
    }

    public Builder shutdownTimeout(Duration v) {
      shutdownTimeout = v;
      return this;
    }

    public Builder probeTimeout(Duration v) {
      probeTimeout = v;
      return this;
    }

    public Builder zkSessionTimeout(Duration v) {
      zkSessionTimeout = v;
      return this;
    }

    public Builder guestSessionTimeout(Duration v) {
      guestSessionTimeout = v;
      return this;
    }

    public Builder guestTransferTimeout(Duration v) {
      guestTransferTimeout = v;
      return this;
    }

    public Builder forwardAddress(String v) {
      forwardAddress = v;
      return this;
    }

    public Builder zkConnectTimeout(Duration v) {
      zkConnectTimeout = v;
      return this;
    }

    /** Every problem with this configuration; empty when it is valid. */
    public List<String> validate() {
      List<String> errors = new ArrayList<>();
      if (zkConnect == null || zkConnect.isBlank()) {
        errors.add("--zk is required (ZooKeeper connect string, e.g. 127.0.0.1:2181)");
      } else if (!zkConnect.matches("[A-Za-z0-9.:,\\-\\[\\]_/]+")) {
        errors.add("--zk '" + zkConnect + "' is not a ZooKeeper connect string (host:port,...)");
      }
      try {
        new ZkLayout(grid);
      } catch (IllegalArgumentException e) {
        errors.add("--grid: " + e.getMessage());
      }
      if (hostId == null) {
        errors.add("--host-id is required");
      } else {
        try {
          HostId.of(hostId);
        } catch (IllegalArgumentException e) {
          errors.add("--host-id: " + e.getMessage());
        }
      }
      if (libvirtUri == null || libvirtUri.isBlank()) {
        errors.add("--libvirt-uri is required");
      } else {
        try {
          URI u = new URI(libvirtUri);
          if (u.getScheme() == null) {
            errors.add("--libvirt-uri '" + libvirtUri + "' has no scheme (e.g. qemu:///system)");
          }
        } catch (Exception e) {
          errors.add("--libvirt-uri '" + libvirtUri + "' is not a URI: " + e.getMessage());
        }
      }
      if (domainType == null) {
        errors.add("--domain-type must be one of auto, kvm, qemu");
      }
      if (imagesDir == null) {
        errors.add("--images-dir is required (where the verified base images are)");
      } else if (!Files.isDirectory(imagesDir)) {
        errors.add("--images-dir " + imagesDir + " is not a directory");
      }
      if (stateDir == null) {
        errors.add("--state-dir is required (where domain overlays and seeds go)");
      } else {
        try {
          Files.createDirectories(stateDir);
          if (!Files.isWritable(stateDir)) {
            errors.add("--state-dir " + stateDir + " is not writable");
          }
        } catch (IOException e) {
          errors.add("--state-dir " + stateDir + " cannot be created: " + e);
        }
      }
      if (agentSecretFile == null) {
        errors.add("--agent-secret-file is required (the grid's agent secret, handed to guests)");
      } else {
        try {
          if (Files.readString(agentSecretFile).isBlank()) {
            errors.add("--agent-secret-file " + agentSecretFile + " is empty");
          }
        } catch (IOException e) {
          errors.add("--agent-secret-file " + agentSecretFile + " cannot be read: " + e);
        }
      }
      positive(errors, "--reconcile-interval", reconcileInterval);
      positive(errors, "--shutdown-timeout", shutdownTimeout);
      positive(errors, "--probe-timeout", probeTimeout);
      positive(errors, "--zk-session-timeout", zkSessionTimeout);
      positive(errors, "--zk-connect-timeout", zkConnectTimeout);
      positive(errors, "--guest-session-timeout", guestSessionTimeout);
      if (guestSessionTimeout != null && guestSessionTimeout.toMillis() < 2000) {
        errors.add("--guest-session-timeout must be at least 2 s (the agent's minimum)");
      }
      // The guest agent takes whole seconds, 1 to 3600 (its --transfer-timeout-s).
      if (guestTransferTimeout == null
          || guestTransferTimeout.toSeconds() < MIN_GUEST_TRANSFER_TIMEOUT_S
          || guestTransferTimeout.toSeconds() > MAX_GUEST_TRANSFER_TIMEOUT_S
          || guestTransferTimeout.toNanosPart() != 0) {
        errors.add(
            "--guest-transfer-timeout must be whole seconds between "
                + MIN_GUEST_TRANSFER_TIMEOUT_S
                + " and "
                + MAX_GUEST_TRANSFER_TIMEOUT_S
                + " (e.g. PT60S), not "
                + guestTransferTimeout);
      }
      ForwardAddress.problem(forwardAddress).ifPresent(errors::add);
      return errors;
    }

    private static void positive(List<String> errors, String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        errors.add(name + " must be a positive duration");
      }
    }

    /**
     * @throws IllegalArgumentException listing every problem, one per line
     */
    public VmNodeConfig build() {
      List<String> errors = validate();
      if (!errors.isEmpty()) {
        throw new IllegalArgumentException(String.join("\n", errors));
      }
      return new VmNodeConfig(
          zkConnect,
          grid,
          HostId.of(hostId),
          libvirtUri,
          domainType,
          imagesDir.toAbsolutePath(),
          stateDir.toAbsolutePath(),
          guestZkConnect != null ? guestZkConnect : guestView(zkConnect),
          agentSecretFile.toAbsolutePath(),
          reconcileInterval,
          shutdownTimeout,
          probeTimeout,
          zkSessionTimeout,
          zkConnectTimeout,
          guestSessionTimeout,
          forwardAddress,
          guestTransferTimeout);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The connect string as a guest must use it: loopback addresses of the host become {@value
   * #SLIRP_HOST}, where the user-mode network shows the host's loopback to the guest.
   */
  static String guestView(String zkConnect) {
    int slash = zkConnect.indexOf('/');
    String hosts = slash < 0 ? zkConnect : zkConnect.substring(0, slash);
    String chroot = slash < 0 ? "" : zkConnect.substring(slash);
    List<String> out = new ArrayList<>();
    for (String hp : hosts.split(",")) {
      String h = hp.trim();
      int colon = h.lastIndexOf(':');
      String host = colon < 0 ? h : h.substring(0, colon);
      String port = colon < 0 ? "" : h.substring(colon);
      if (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")) {
        host = SLIRP_HOST;
      }
      out.add(host + port);
    }
    return String.join(",", out) + chroot;
  }
}
