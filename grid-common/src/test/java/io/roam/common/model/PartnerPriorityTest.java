package io.roam.common.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.ClusterId;
import io.roam.common.json.Json;
import io.roam.common.model.ClusterPolicy.PartnerRule;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class PartnerPriorityTest {
  private static final ClusterId C1 = ClusterId.of("c1");
  private static final ClusterId C2 = ClusterId.of("c2");
  private static final ClusterId C3 = ClusterId.of("c3");
  private static final ClusterPolicy POLICY =
      new ClusterPolicy(
          true, 4, List.of(new PartnerRule("c2", 90, null), new PartnerRule("c3", null, true)));

  @Test
  void listedPartnersGetTheirPriorityOthersTheDefault() {
    assertThat(PartnerPriority.of(C1, POLICY, C2)).isEqualTo(OptionalInt.of(90));
    assertThat(PartnerPriority.of(C1, POLICY, ClusterId.of("c4")))
        .isEqualTo(OptionalInt.of(ClusterPolicy.DEFAULT_PRIORITY));
  }

  @Test
  void blockedPartnersAndClosedClustersGiveNone() {
    assertThat(PartnerPriority.of(C1, POLICY, C3)).isEmpty();
    assertThat(PartnerPriority.of(C1, new ClusterPolicy(false, 0, List.of()), C2)).isEmpty();
  }

  @Test
  void aClustersOwnJobsRankFirstWhateverItsPolicy() {
    assertThat(PartnerPriority.of(C1, new ClusterPolicy(false, 0, List.of()), C1))
        .isEqualTo(OptionalInt.of(PartnerPriority.OWN));
  }

  @Test
  void preferredKeepsTheTopPriorityInOrderAndNeverTheBlocked() {
    Map<String, OptionalInt> p =
        Map.of(
            "a", OptionalInt.of(50),
            "b", OptionalInt.of(90),
            "c", OptionalInt.empty(),
            "d", OptionalInt.of(90));
    assertThat(PartnerPriority.preferred(List.of("a", "b", "c", "d"), p::get))
        .containsExactly("b", "d");
    assertThat(PartnerPriority.preferred(List.of("c"), p::get)).isEmpty();
    assertThat(PartnerPriority.preferred(List.<String>of(), p::get)).isEmpty();
  }

  @Test
  void localFirstIsOnUnlessTheOwnerTurnsItOffAndSurvivesJson() throws Exception {
    assertThat(ClusterPolicy.defaults().isLocalFirstOn()).isTrue();
    String json = Json.mapper().writeValueAsString(ClusterPolicy.defaults());
    assertThat(json).doesNotContain("localFirst");
    assertThat(Json.decode(json.getBytes(StandardCharsets.UTF_8), ClusterPolicy.class))
        .isEqualTo(ClusterPolicy.defaults());
    ClusterPolicy off = new ClusterPolicy(true, 4, List.of(), false);
    assertThat(off.isLocalFirstOn()).isFalse();
    assertThat(
            Json.decode(
                Json.mapper().writeValueAsString(off).getBytes(StandardCharsets.UTF_8),
                ClusterPolicy.class))
        .isEqualTo(off);
  }
}
