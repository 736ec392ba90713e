package io.roam.vmnode.reconcile;

import static io.roam.vmnode.Fixtures.desired;
import static org.assertj.core.api.Assertions.assertThat;

import io.roam.vmnode.Fixtures;
import io.roam.vmnode.hypervisor.DomainState;
import io.roam.vmnode.hypervisor.FakeHypervisor;
import io.roam.vmnode.image.ProvisionException;
import io.roam.vmnode.image.Provisioner;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.DomainSpecs;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reconcile loop's steps with the fake hypervisor and a settable clock. */
class PlanExecutorTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private final DomainSpecs specs = Fixtures.specs(Path.of("/var/lib/roam"));
  private final FakeHypervisor hv = new FakeHypervisor();
  private final RecordingProvisioner files = new RecordingProvisioner();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final PlanExecutor executor = new PlanExecutor(hv, files, specs, clock);
  private final Reconciler reconciler = new Reconciler(TIMEOUT);

  private PlanExecutor.Outcome round(List<DomainSpec> desired) {
    Plan plan =
        reconciler.plan(desired, hv.domains(), executor.shutdownRequested(), clock.instant());
    return executor.apply(plan);
  }

  @Test
  void aGuestThatIgnoresAcpiIsDestroyedOnlyAfterTheTimeout() {
    DomainSpec n1 = specs.forDesired(desired("n1"));
    hv.ignoringAcpi(name -> true);
    round(List.of(n1));
    assertThat(hv.domain("roam-n1").orElseThrow().state()).isEqualTo(DomainState.RUNNING);

    round(List.of());
    assertThat(hv.calls()).endsWith("shutdown roam-n1");
    assertThat(hv.domain("roam-n1").orElseThrow().state()).isEqualTo(DomainState.SHUTTING_DOWN);

    clock.advance(TIMEOUT.minusSeconds(1));
    round(List.of());
    assertThat(hv.calls()).doesNotContain("destroy roam-n1");

    clock.advance(Duration.ofSeconds(1));
    round(List.of());
    assertThat(hv.calls()).endsWith("destroy roam-n1", "undefine roam-n1");
    assertThat(hv.domain("roam-n1")).isEmpty();
    assertThat(files.removed).contains(specs.directoryOf("roam-n1"));
    assertThat(executor.shutdownRequested()).isEmpty();
  }

  @Test
  void aCooperativeGuestIsNeverDestroyed() {
    DomainSpec n1 = specs.forDesired(desired("n1"));
    round(List.of(n1));
    round(List.of());
    round(List.of());
    assertThat(hv.calls())
        .containsExactly("define roam-n1", "start roam-n1", "shutdown roam-n1", "undefine roam-n1");
  }

  @Test
  void aBaseImageThatFailsVerificationLeavesNothingDefined() {
    DomainSpec n1 = specs.forDesired(desired("n1"));
    DomainSpec n2 = specs.forDesired(desired("n2"));
    files.refuse = "roam-n1";
    PlanExecutor.Outcome out = round(List.of(n1, n2));
    assertThat(out.failures()).singleElement().asString().contains("roam-n1").contains("SHA-256");
    assertThat(hv.domain("roam-n1")).isEmpty();
    assertThat(hv.calls()).doesNotContain("define roam-n1", "start roam-n1");
    assertThat(hv.domain("roam-n2").orElseThrow().state()).isEqualTo(DomainState.RUNNING);
  }

  @Test
  void aFailedDefineRemovesTheFilesItMadeAndSkipsTheStart() {
    DomainSpec n1 = specs.forDesired(desired("n1"));
    hv.failing(call -> call.equals("define roam-n1"));
    PlanExecutor.Outcome out = round(List.of(n1));
    assertThat(out.failures()).singleElement().asString().contains("injected failure");
    assertThat(files.prepared).contains(n1.directory());
    assertThat(files.removed).contains(n1.directory());
    assertThat(hv.calls()).doesNotContain("start roam-n1");
  }

  @Test
  void aFailingDomainDoesNotStopTheOthers() {
    hv.failing(call -> call.equals("start roam-n1"));
    PlanExecutor.Outcome out =
        round(List.of(specs.forDesired(desired("n1")), specs.forDesired(desired("n2"))));
    assertThat(out.failures()).hasSize(1);
    assertThat(hv.domain("roam-n2").orElseThrow().state()).isEqualTo(DomainState.RUNNING);
    hv.failing(call -> false);
    round(List.of(specs.forDesired(desired("n1")), specs.forDesired(desired("n2"))));
    assertThat(hv.domain("roam-n1").orElseThrow().state()).isEqualTo(DomainState.RUNNING);
  }

  @Test
  void theShutdownTimerKeepsItsFirstRequestTime() {
    DomainSpec n1 = specs.forDesired(desired("n1"));
    hv.ignoringAcpi(name -> true);
    round(List.of(n1));
    round(List.of());
    Instant first = executor.shutdownRequested().get("roam-n1");
    clock.advance(Duration.ofSeconds(30));
    round(List.of());
    assertThat(executor.shutdownRequested()).isEqualTo(Map.of("roam-n1", first));
  }

  static final class RecordingProvisioner implements Provisioner {
    final List<Path> prepared = new ArrayList<>();
    final List<Path> removed = new ArrayList<>();
    String refuse = "";

    @Override
    public void prepare(DomainSpec spec) {
      if (spec.name().equals(refuse)) {
        throw new ProvisionException("base image has SHA-256 x but y is expected");
      }
      prepared.add(spec.directory());
    }

    @Override
    public void remove(Path dir) {
      removed.add(dir);
    }
  }

  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
