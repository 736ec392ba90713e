package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterPolicy.PartnerRule;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestAdmissionTest {
  private static final ClusterId SELF = ClusterId.of("c2");
  private static final ClusterId OTHER = ClusterId.of("c1");

  @Test
  void ownJobsAlwaysComeHome() {
    assertThat(GuestAdmission.refusal(SELF, new ClusterPolicy(false, 0, List.of()), SELF, 99))
        .isEmpty();
  }

  @Test
  void aClusterThatTakesNoGuestsSaysSo() {
    assertThat(GuestAdmission.refusal(SELF, new ClusterPolicy(false, 0, List.of()), OTHER, 0))
        .hasValueSatisfying(r -> assertThat(r).contains("accepts no guests"));
  }

  @Test
  void aBlockedPartnerIsRefusedOthersAreNot() {
    ClusterPolicy policy =
        new ClusterPolicy(
            true, 4, List.of(new PartnerRule("c1", null, true), new PartnerRule("c3", 80, null)));
    assertThat(GuestAdmission.refusal(SELF, policy, OTHER, 0))
        .hasValueSatisfying(r -> assertThat(r).contains("no guests from cluster c1"));
    assertThat(GuestAdmission.refusal(SELF, policy, ClusterId.of("c3"), 0)).isEmpty();
  }

  @Test
  void theGuestLimitHolds() {
    ClusterPolicy policy = new ClusterPolicy(true, 2, List.of());
    assertThat(GuestAdmission.refusal(SELF, policy, OTHER, 1)).isEmpty();
    assertThat(GuestAdmission.refusal(SELF, policy, OTHER, 2))
        .hasValueSatisfying(r -> assertThat(r).contains("the most its owner allows (2)"));
  }

  @Test
  void guestsAreCountedOnlyWhenTheRestOfThePolicyAdmits() {
    java.util.concurrent.atomic.AtomicInteger counted =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.IntSupplier count =
        () -> {
          counted.incrementAndGet();
          return 1;
        };
    assertThat(GuestAdmission.refusal(SELF, new ClusterPolicy(false, 0, List.of()), OTHER, count))
        .isPresent();
    assertThat(GuestAdmission.refusal(SELF, new ClusterPolicy(true, 2, List.of()), SELF, count))
        .isEmpty();
    assertThat(counted).hasValue(0);
    assertThat(GuestAdmission.refusal(SELF, new ClusterPolicy(true, 1, List.of()), OTHER, count))
        .hasValueSatisfying(r -> assertThat(r).contains("hosts 1 guest(s) already"));
    assertThat(counted).hasValue(1);
  }
}
