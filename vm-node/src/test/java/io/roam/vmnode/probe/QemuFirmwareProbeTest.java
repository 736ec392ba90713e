package io.roam.vmnode.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.roam.vmnode.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Runs the real probe firmware in the real QEMU (Debian's qemu-system-x86, installed by
 * scripts/setup.sh).
 */
class QemuFirmwareProbeTest {
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
  private final QemuFirmwareProbe probe = new QemuFirmwareProbe();

  @Test
  void theFirmwareReachesLongModeUnderTcg() {
    assertThat(QEMU).as("qemu-system-x86 is installed by scripts/setup.sh").exists();
    FirmwareProbe.Result r = probe.run(QEMU, "tcg", Fixtures.scaled(Duration.ofSeconds(20)));
    assertThat(r.outcome()).as(r.detail()).isEqualTo(FirmwareProbe.Outcome.PASSED);
  }

  @Test
  void aMissingEmulatorFails() {
    FirmwareProbe.Result r = probe.run(Path.of("/nonexistent/qemu"), "tcg", Duration.ofSeconds(5));
    assertThat(r.outcome()).isEqualTo(FirmwareProbe.Outcome.FAILED);
    assertThat(r.detail()).contains("cannot run");
  }

  @Test
  void theKvmProbeEndsWithinItsTimeLimitWhateverKvmDoes() {
    Path kvm = Path.of("/dev/kvm");
    assumeTrue(Files.isWritable(kvm), "needs /dev/kvm");
    Duration limit = Duration.ofSeconds(2);
    FirmwareProbe.Result r = probe.run(QEMU, "kvm", limit);
    // PASSED on a host with working KVM, TIMED_OUT under broken nested KVM: bounded either way.
    assertThat(r.took()).isLessThan(limit.plusSeconds(3));
    System.out.println("KVM probe on this machine: " + r.outcome() + " (" + r.detail() + ")");
  }
}
