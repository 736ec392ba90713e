package io.roam.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.api.CreateTokenRequest;
import io.roam.common.auth.Role;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterPolicy.PartnerRule;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationTest {
  @Test
  void aSensiblePolicyHasNoViolations() {
    assertThat(Validation.violations(ClusterPolicy.defaults())).isEmpty();
    assertThat(
            Validation.violations(
                new ClusterPolicy(
                    true,
                    4,
                    List.of(new PartnerRule("c2", 90, null), new PartnerRule("c3", null, true)))))
        .isEmpty();
    assertThat(Validation.violations(new ClusterPolicy(false, 0, null))).isEmpty();
  }

  @Test
  void everyViolationIsReportedAtOnceWithItsPath() {
    ClusterPolicy bad =
        new ClusterPolicy(
            false,
            -1,
            List.of(
                new PartnerRule("C 2", 101, true),
                new PartnerRule("c3", null, false),
                new PartnerRule("c3", null, true)));

    assertThat(Validation.violations(bad))
        .containsExactlyInAnyOrder(
            "maxGuests: must be greater than or equal to 0",
            "maxGuests must be 0 when acceptGuests is false",
            "partners: each cluster may be listed once only",
            "partners[0].cluster: is not a cluster id",
            "partners[0].priority: must be less than or equal to 100",
            "partners[0]: give either a priority or blocked=true, not both and not neither",
            "partners[1]: give either a priority or blocked=true, not both and not neither");
  }

  @Test
  void missingRequiredFieldsAreViolationsNotCrashes() {
    assertThat(Validation.violations(new ClusterPolicy(null, null, null)))
        .containsExactlyInAnyOrder("acceptGuests: must not be null", "maxGuests: must not be null");
  }

  @Test
  void anAdminTokenRequestMayNotNameClusters() {
    assertThatThrownBy(
            () ->
                Validation.require(new CreateTokenRequest("ops", Role.ADMIN, null, List.of("c1"))))
        .isInstanceOfSatisfying(
            HttpProblem.class,
            p -> {
              assertThat(p.status()).isEqualTo(400);
              assertThat(p.errors())
                  .containsExactly("an admin token acts on every cluster: give no clusters");
            });
  }
}
