package io.roam.vmnode.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.hypervisor.HypervisorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decision rules of {@link DomainTypeProbe}, with a scripted firmware probe. */
class DomainTypeProbeTest {
  private static final HypervisorInfo KVM_HOST =
      new HypervisorInfo(
          "qemu:///system",
          "QEMU",
          "9.0.0",
          Set.of("qemu", "kvm"),
          Optional.of(Path.of("/usr/bin/qemu-system-x86_64")));

  @TempDir Path dir;
  private final List<String> runs = new ArrayList<>();

  private FirmwareProbe scripted(FirmwareProbe.Outcome outcome) {
    return (emulator, accel, timeout) -> {
      runs.add(emulator + " " + accel + " " + timeout.toMillis());
      return new FirmwareProbe.Result(outcome, "scripted", Duration.ofMillis(5));
    };
  }

  private DomainTypeProbe probe(FirmwareProbe.Outcome outcome) throws Exception {
    Path kvm = Files.createFile(dir.resolve("kvm"));
    return new DomainTypeProbe(scripted(outcome), kvm, Duration.ofSeconds(3));
  }

  @Test
  void aFixedChoiceIsTakenWithoutProbing() throws Exception {
    DomainTypeProbe p = probe(FirmwareProbe.Outcome.TIMED_OUT);
    assertThat(p.decide(DomainTypeChoice.KVM, KVM_HOST).type()).isEqualTo(DomainType.KVM);
    assertThat(p.decide(DomainTypeChoice.QEMU, KVM_HOST).type()).isEqualTo(DomainType.QEMU);
    assertThat(runs).isEmpty();
  }

  @Test
  void kvmOnlyWhenTheFirmwareReachesLongModeUnderKvm() throws Exception {
    DomainTypeDecision d =
        probe(FirmwareProbe.Outcome.PASSED).decide(DomainTypeChoice.AUTO, KVM_HOST);
    assertThat(d.type()).isEqualTo(DomainType.KVM);
    assertThat(runs).containsExactly("/usr/bin/qemu-system-x86_64 kvm 3000");
  }

  @Test
  void aHangingProbeFallsBackToQemuAndSaysWhy() throws Exception {
    DomainTypeDecision d =
        probe(FirmwareProbe.Outcome.TIMED_OUT).decide(DomainTypeChoice.AUTO, KVM_HOST);
    assertThat(d.type()).isEqualTo(DomainType.QEMU);
    assertThat(d.reason()).contains("hung").contains("TCG");
  }

  @Test
  void aFailingProbeFallsBackToQemu() throws Exception {
    assertThat(probe(FirmwareProbe.Outcome.FAILED).decide(DomainTypeChoice.AUTO, KVM_HOST).type())
        .isEqualTo(DomainType.QEMU);
  }

  @Test
  void noKvmInTheCapabilitiesMeansQemuWithoutProbing() throws Exception {
    HypervisorInfo tcgOnly =
        new HypervisorInfo("test:///default", "TEST", "9.0.0", Set.of("test"), Optional.empty());
    DomainTypeDecision d =
        probe(FirmwareProbe.Outcome.PASSED).decide(DomainTypeChoice.AUTO, tcgOnly);
    assertThat(d.type()).isEqualTo(DomainType.QEMU);
    assertThat(d.reason()).contains("offers no kvm");
    assertThat(runs).isEmpty();
  }

  @Test
  void noKvmDeviceMeansQemuWithoutProbing() {
    DomainTypeProbe p =
        new DomainTypeProbe(
            scripted(FirmwareProbe.Outcome.PASSED), dir.resolve("absent"), Duration.ofSeconds(1));
    DomainTypeDecision d = p.decide(DomainTypeChoice.AUTO, KVM_HOST);
    assertThat(d.type()).isEqualTo(DomainType.QEMU);
    assertThat(d.reason()).contains("does not exist");
    assertThat(runs).isEmpty();
  }
}
