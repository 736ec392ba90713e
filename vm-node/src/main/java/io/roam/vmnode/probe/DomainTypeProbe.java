package io.roam.vmnode.probe;

import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.HypervisorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides between {@code kvm} and {@code qemu} (TCG) for {@code --domain-type auto}.
 *
 * <p>The capabilities list alone is not enough: under nested virtualisation libvirt offers {@code
 * kvm} and /dev/kvm opens, yet guests hang right after the firmware. So {@code kvm} is chosen only
 * when all of these hold, in this order (each step is cheap; the last is bounded by a timeout):
 *
 * <ol>
 *   <li>the libvirt connection offers domain type {@code kvm} for x86_64 and names an emulator;
 *   <li>/dev/kvm exists and is readable and writable by this process;
 *   <li>the emulator runs the probe firmware under {@code -accel kvm} into 64-bit long mode within
 *       the timeout (default 5 s; about 0.2 s where KVM works).
 * </ol>
 *
 * Otherwise it falls back to {@code qemu} and says why. A fixed {@code kvm} or {@code qemu} is
 * taken as configured, without probing.
 */
public final class DomainTypeProbe {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(DomainTypeProbe.class);

  private final FirmwareProbe firmware;
  private final Path kvmDevice;
  private final Duration timeout;

  public DomainTypeProbe(FirmwareProbe firmware, Path kvmDevice, Duration timeout) {
    this.firmware = Objects.requireNonNull(firmware);
    this.kvmDevice = Objects.requireNonNull(kvmDevice);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("probe timeout must be positive");
    }
    this.timeout = timeout;
  }

  public static DomainTypeProbe standard() {
    return new DomainTypeProbe(new QemuFirmwareProbe(), Path.of("/dev/kvm"), DEFAULT_TIMEOUT);
  }

  public DomainTypeDecision decide(DomainTypeChoice choice, HypervisorInfo info) {
    if (choice.fixed().isPresent()) {
      return new DomainTypeDecision(choice.fixed().get(), "configured (--domain-type)");
    }
    if (!info.domainTypes().contains("kvm")) {
      return qemu(info.uri() + " offers no kvm domains for x86_64");
    }
    if (info.emulator().isEmpty()) {
      return qemu(info.uri() + " names no x86_64 emulator to probe with");
    }
    if (!Files.exists(kvmDevice)) {
      return qemu(kvmDevice + " does not exist");
    }
    if (!Files.isReadable(kvmDevice) || !Files.isWritable(kvmDevice)) {
      return qemu(kvmDevice + " is not readable and writable by this process");
    }
    FirmwareProbe.Result r = firmware.run(info.emulator().get(), "kvm", timeout);
    LOG.info("KVM probe with {}: {} ({})", info.emulator().get(), r.outcome(), r.detail());
    return switch (r.outcome()) {
      case PASSED -> new DomainTypeDecision(DomainType.KVM, "KVM probe passed: " + r.detail());
      case TIMED_OUT -> qemu("KVM probe hung (nested KVM?): " + r.detail());
      case FAILED -> qemu("KVM probe failed: " + r.detail());
    };
  }

  private static DomainTypeDecision qemu(String why) {
    return new DomainTypeDecision(DomainType.QEMU, why + "; using qemu (TCG)");
  }
}
