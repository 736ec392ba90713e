package io.roam.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.NodeId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The target's consent: a balancing move is re-checked with the target's own figures now. */
class ConsentTest {
  static final long MIB = 1L << 20;
  static final long GIB = 1L << 30;

  static Move planned() {
    // a (speed 1, 4 jobs) sends one to b (speed 4, idle): here 400 s, there 26.5 s.
    Snapshot s =
        new Snapshot(
            BalancerTest.node("a", 1, 4),
            false,
            BalancerTest.jobs(4, 100),
            List.of(BalancerTest.node("b", 4, 0)));
    return BalancerTest.balancer().plan(s).moves().get(0);
  }

  @Test
  void aBalancingMoveIsTakenWhileItStillPays() {
    assertThat(
            Consent.refusal(
                BalancerTest.balancer(), Optional.of(planned()), BalancerTest.node("b", 4, 3)))
        .isEmpty();
  }

  @Test
  void aBalancingMoveIsDeclinedByATargetNowBusierThanItWas() {
    // Others sent it 20 jobs meanwhile: 0.5 + 1 + 100 x 21 / 4 = 526.5 s there > 400 s here.
    Optional<String> refusal =
        Consent.refusal(
            BalancerTest.balancer(), Optional.of(planned()), BalancerTest.node("b", 4, 20));
    assertThat(refusal).isPresent();
    assertThat(refusal.get())
        .startsWith("node b declined: it is now busier than the move assumed")
        .contains("526.5 s there against 400.0 s");
  }

  @Test
  void aBalancingMoveIsDeclinedByATargetWithoutRoomNow() {
    Optional<String> refusal =
        Consent.refusal(
            BalancerTest.balancer(),
            Optional.of(planned()),
            NodeState.of(NodeId.of("b"), 4, 0, 300 * MIB, 4 * GIB));
    assertThat(refusal).hasValueSatisfying(r -> assertThat(r).contains("node b declined", "MiB"));
  }

  @Test
  void otherMigrationsNeedNoConsentHoweverBusyTheTarget() {
    assertThat(
            Consent.refusal(
                BalancerTest.balancer(),
                Optional.empty(),
                NodeState.of(NodeId.of("b"), 4, 50, 0, 4 * GIB)))
        .isEmpty();
  }
}
