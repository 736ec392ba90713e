package io.roam.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.api.NodeFlagsRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeFlagsTest {
  private static final NodeId N1 = NodeId.of("c1-n1");
  private static final NodeId N2 = NodeId.of("c2-n1");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aBlockedNodeRefusesGuestsWithTheReasonButTakesItsOwnJobsHome() {
    NodeFlags blocked = NodeFlags.none(N1, ClusterId.of("c1")).with(null, true, T0, "alice");

    assertThat(blocked.refusal(N2)).hasValueSatisfying(r -> assertThat(r).contains("blocked"));
    assertThat(blocked.refusal(N1)).isEmpty();
    assertThat(NodeFlags.none(N1, ClusterId.of("c1")).refusal(N2)).isEmpty();
  }

  @Test
  void aChangeLeavesTheFlagsItDoesNotNameAsTheyWere() {
    NodeFlags f = NodeFlags.none(N1, ClusterId.of("c1")).with(true, true, T0, "alice");

    NodeFlags g = f.with(false, null, T0.plusSeconds(1), "bob");

    assertThat(g.stay()).isFalse();
    assertThat(g.block()).isTrue();
    assertThat(g.updatedBy()).isEqualTo("bob");
    assertThat(Json.decode(Json.encode(g), NodeFlags.class)).isEqualTo(g);
  }

  @Test
  void aRequestMustChangeSomething() {
    assertThatThrownBy(() -> new NodeFlagsRequest(null, null)).hasMessageContaining("at least");
    assertThat(Json.decode("{\"block\":true}", NodeFlagsRequest.class).stay()).isNull();
  }
}
