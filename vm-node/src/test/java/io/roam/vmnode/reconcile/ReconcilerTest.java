package io.roam.vmnode.reconcile;

import static io.roam.vmnode.Fixtures.desired;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.vmnode.Fixtures;
import io.roam.vmnode.hypervisor.DomainState;
import io.roam.vmnode.hypervisor.ObservedDomain;
import io.roam.vmnode.hypervisor.RoamMark;
import io.roam.vmnode.reconcile.Action.Define;
import io.roam.vmnode.reconcile.Action.Destroy;
import io.roam.vmnode.reconcile.Action.Shutdown;
import io.roam.vmnode.reconcile.Action.Start;
import io.roam.vmnode.reconcile.Action.Undefine;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.DomainSpecs;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One test per rule of {@link Reconciler}. */
class ReconcilerTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private final DomainSpecs specs = Fixtures.specs(Path.of("/var/lib/roam"));
  private final Reconciler reconciler = new Reconciler(TIMEOUT);

  private DomainSpec spec(String node) {
    return specs.forDesired(desired(node));
  }

  private static ObservedDomain managed(DomainSpec spec, DomainState state) {
    return new ObservedDomain(spec.name(), state, 1, 262144, Optional.of(spec.mark()));
  }

  private static ObservedDomain foreign(String name, DomainState state) {
    return new ObservedDomain(name, state, 1, 262144, Optional.empty());
  }

  private Plan plan(List<DomainSpec> desired, List<ObservedDomain> observed) {
    return reconciler.plan(desired, observed, Map.of(), NOW);
  }

  @Test
  void aMissingDomainIsDefinedThenStarted() {
    DomainSpec n1 = spec("n1");
    assertThat(plan(List.of(n1), List.of()).actions())
        .containsExactly(new Define(n1), new Start(n1.name()));
  }

  @Test
  void aRunningDomainAsDesiredIsLeftAlone() {
    DomainSpec n1 = spec("n1");
    Plan p = plan(List.of(n1), List.of(managed(n1, DomainState.RUNNING)));
    assertThat(p.actions()).isEmpty();
    assertThat(p.notes()).isEmpty();
  }

  @Test
  void aStoppedDesiredDomainIsStartedAgain() {
    DomainSpec n1 = spec("n1");
    assertThat(plan(List.of(n1), List.of(managed(n1, DomainState.SHUT_OFF))).actions())
        .containsExactly(new Start(n1.name()));
  }

  @Test
  void aStoppedDomainFromAnOlderSpecIsRebuilt() {
    DomainSpec old = spec("n1");
    DomainSpec bigger = specs.forDesired(desired("n1", 2, 512));
    assertThat(bigger.mark().specFingerprint()).isNotEqualTo(old.mark().specFingerprint());
    assertThat(plan(List.of(bigger), List.of(managed(old, DomainState.SHUT_OFF))).actions())
        .containsExactly(new Undefine("roam-n1"), new Define(bigger), new Start("roam-n1"));
  }

  @Test
  void aRunningDomainFromAnOlderSpecKeepsRunningAndIsNoted() {
    DomainSpec old = spec("n1");
    DomainSpec bigger = specs.forDesired(desired("n1", 2, 512));
    Plan p = plan(List.of(bigger), List.of(managed(old, DomainState.RUNNING)));
    assertThat(p.actions()).isEmpty();
    assertThat(p.notes()).singleElement().asString().contains("older spec");
  }

  @Test
  void aCrashedDesiredDomainIsDestroyedAndStarted() {
    DomainSpec n1 = spec("n1");
    assertThat(plan(List.of(n1), List.of(managed(n1, DomainState.CRASHED))).actions())
        .containsExactly(new Destroy(n1.name(), "crashed"), new Start(n1.name()));
  }

  @Test
  void aPausedDesiredDomainIsLeftAsItIs() {
    DomainSpec n1 = spec("n1");
    Plan p = plan(List.of(n1), List.of(managed(n1, DomainState.PAUSED)));
    assertThat(p.actions()).isEmpty();
    assertThat(p.notes()).singleElement().asString().contains("paused");
  }

  @Test
  void anUnwantedRunningDomainIsFirstAskedToPowerOff() {
    DomainSpec n1 = spec("n1");
    assertThat(plan(List.of(), List.of(managed(n1, DomainState.RUNNING))).actions())
        .containsExactly(new Shutdown(n1.name()));
  }

  @Test
  void whileTheGuestHasTimeToPowerOffNothingMoreIsDone() {
    DomainSpec n1 = spec("n1");
    Plan p =
        reconciler.plan(
            List.of(),
            List.of(managed(n1, DomainState.SHUTTING_DOWN)),
            Map.of(n1.name(), NOW.minus(TIMEOUT).plusSeconds(1)),
            NOW);
    assertThat(p.actions()).isEmpty();
    assertThat(p.notes()).singleElement().asString().contains("waiting for the guest");
  }

  @Test
  void aGuestStillUpAfterTheTimeoutIsDestroyedThenUndefined() {
    DomainSpec n1 = spec("n1");
    Plan p =
        reconciler.plan(
            List.of(),
            List.of(managed(n1, DomainState.RUNNING)),
            Map.of(n1.name(), NOW.minus(TIMEOUT)),
            NOW);
    assertThat(p.actions()).hasSize(2);
    assertThat(p.actions().get(0)).isInstanceOf(Destroy.class);
    assertThat(((Destroy) p.actions().get(0)).reason()).contains("120 s after the ACPI");
    assertThat(p.actions().get(1)).isEqualTo(new Undefine(n1.name()));
  }

  @Test
  void anUnwantedStoppedDomainIsUndefined() {
    DomainSpec n1 = spec("n1");
    assertThat(plan(List.of(), List.of(managed(n1, DomainState.SHUT_OFF))).actions())
        .containsExactly(new Undefine(n1.name()));
  }

  @Test
  void anUnwantedPausedOrCrashedDomainIsDestroyedAtOnce() {
    DomainSpec n1 = spec("n1");
    DomainSpec n2 = spec("n2");
    List<Action> actions =
        plan(List.of(), List.of(managed(n1, DomainState.PAUSED), managed(n2, DomainState.CRASHED)))
            .actions();
    assertThat(actions)
        .extracting(a -> a.getClass().getSimpleName() + " " + a.name())
        .containsExactly(
            "Destroy roam-n1", "Undefine roam-n1", "Destroy roam-n2", "Undefine roam-n2");
  }

  @Test
  void unmanagedDomainsAreNeverTouchedWhateverTheirNameOrState() {
    List<ObservedDomain> foreign =
        List.of(
            foreign("test", DomainState.RUNNING),
            foreign("roam-n9", DomainState.RUNNING),
            foreign("roam-n8", DomainState.SHUT_OFF),
            foreign("other", DomainState.CRASHED));
    Plan p = plan(List.of(), foreign);
    assertThat(p.actions()).isEmpty();
    assertThat(p.notes()).isEmpty();
  }

  @Test
  void aDesiredNameHeldByAnUnmanagedDomainIsAConflictNotAnAction() {
    DomainSpec n1 = spec("n1");
    Plan p = plan(List.of(n1), List.of(foreign(n1.name(), DomainState.SHUT_OFF)));
    assertThat(p.actions()).isEmpty();
    assertThat(p.notes()).singleElement().asString().contains("conflict");
  }

  @Test
  void aDomainMarkedForAnotherNodeUnderAManagedNameIsStillJudgedByItsSpec() {
    DomainSpec n1 = spec("n1");
    ObservedDomain odd =
        new ObservedDomain(
            n1.name(),
            DomainState.SHUT_OFF,
            1,
            1,
            Optional.of(new RoamMark(NodeId.of("n1"), ClusterId.of("c2"), "other")));
    assertThat(plan(List.of(n1), List.of(odd)).actions())
        .containsExactly(new Undefine(n1.name()), new Define(n1), new Start(n1.name()));
  }

  @Test
  void removalsComeBeforeAdditions() {
    DomainSpec gone = spec("n1");
    DomainSpec fresh = spec("n2");
    assertThat(plan(List.of(fresh), List.of(managed(gone, DomainState.SHUT_OFF))).actions())
        .containsExactly(new Undefine(gone.name()), new Define(fresh), new Start(fresh.name()));
  }

  @Test
  void aDomainDesiredTwiceIsRefused() {
    DomainSpec n1 = spec("n1");
    assertThatThrownBy(() -> plan(List.of(n1, n1), List.of()))
        .hasMessageContaining("desired twice");
  }
}
