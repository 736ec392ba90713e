package io.roam.manager.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.auth.Role;
import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.OperationRecord;
import io.roam.web.HttpProblem;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The access rules alone, over records. */
class AccessTest {
  private static final Instant T = Instant.parse("2026-11-23T12:00:00Z");
  private static final String HASH = "0".repeat(64);
  private final TokenRecord admin =
      new TokenRecord("root", HASH, Role.ADMIN, "root", List.of(), false, T);
  private final TokenRecord alice =
      new TokenRecord("alice", HASH, Role.OWNER, "alice", List.of(), false, T);
  private final TokenRecord aliceOnA =
      new TokenRecord("alice-a", HASH, Role.OWNER, "alice", List.of(ClusterId.of("ca")), false, T);
  private final Map<ClusterId, ClusterRecord> clusters =
      Map.of(
          ClusterId.of("ca"), cluster("ca", "alice"),
          ClusterId.of("ca2"), cluster("ca2", "alice"),
          ClusterId.of("cb"), cluster("cb", "bob"));

  private static ClusterRecord cluster(String id, String owner) {
    return new ClusterRecord(ClusterId.of(id), owner, ClusterState.ATTACHED, T);
  }

  /** A running job started at its home cluster's n1; {@link #seen} says where it runs now. */
  private static JobRecord job(String owner, String homeCluster) {
    return JobRecord.pending(
            JobId.of("j1"),
            List.of("secret", "--x"),
            NodeId.of(homeCluster + "-n1"),
            ClusterId.of(homeCluster),
            T)
        .ownedBy(owner)
        .started(T);
  }

  private Optional<JobRecord> seen(TokenRecord who, JobRecord job, String nodeCluster) {
    return Access.visible(
        who,
        job,
        n -> Optional.of(ClusterId.of(nodeCluster)),
        c -> Optional.ofNullable(clusters.get(c)));
  }

  @Test
  void ownersActOnlyOnTheirClustersAndALimitedTokenOnlyOnItsList() {
    Access.requireOwner(admin, clusters.get(ClusterId.of("cb")), "x");
    Access.requireOwner(alice, clusters.get(ClusterId.of("ca2")), "x");
    Access.requireOwner(aliceOnA, clusters.get(ClusterId.of("ca")), "x");

    assertThatThrownBy(() -> Access.requireOwner(alice, clusters.get(ClusterId.of("cb")), "x"))
        .isInstanceOfSatisfying(HttpProblem.class, p -> assertThat(p.status()).isEqualTo(403))
        .hasMessageContaining("owned by 'bob'");
    assertThatThrownBy(() -> Access.requireOwner(aliceOnA, clusters.get(ClusterId.of("ca2")), "x"))
        .hasMessageContaining("limited to clusters [ca]");
    assertThatThrownBy(() -> Access.requireAdmin(alice, "list tokens"))
        .hasMessageContaining("only a grid admin may list tokens");
  }

  @Test
  void jobsAreSeenWholeByTheirOwnerRedactedByTheHostsOwnerAndNotByOthers() {
    JobRecord bobsGuestOnA = job("bob", "cb");

    TokenRecord bob = new TokenRecord("bob", HASH, Role.OWNER, "bob", List.of(), false, T);
    assertThat(seen(admin, bobsGuestOnA, "ca")).contains(bobsGuestOnA);
    assertThat(seen(bob, bobsGuestOnA, "ca")).contains(bobsGuestOnA);
    JobRecord redacted = seen(alice, bobsGuestOnA, "ca").orElseThrow();
    assertThat(redacted.command()).containsExactly(JobRecord.HIDDEN_COMMAND);
    assertThat(redacted.owner()).isNull();
    assertThat(redacted.id()).isEqualTo(bobsGuestOnA.id());
    assertThat(redacted.state()).isEqualTo(bobsGuestOnA.state());
    assertThat(redacted.homeCluster()).isEqualTo(ClusterId.of("cb"));
    assertThat(seen(alice, bobsGuestOnA, "cb")).isEmpty();
    assertThat(seen(alice, job("alice", "cb"), "cb").orElseThrow().command())
        .containsExactly("secret", "--x");
    assertThat(Access.ownsJob(alice, bobsGuestOnA)).isFalse();
    assertThat(Access.ownsJob(admin, bobsGuestOnA)).isTrue();
    assertThat(Access.ownsJob(alice, job(null, "ca"))).isFalse();
  }

  @Test
  void anOperationIsReadByItsClustersOwnersAndAdminsOnly() {
    OperationRecord detachA =
        new OperationRecord(
            "detach-ca-1",
            OperationRecord.Kind.DETACH,
            ClusterId.of("ca"),
            OperationRecord.State.RUNNING,
            T,
            T,
            null,
            null,
            List.of(),
            "planning");
    TokenRecord bob = new TokenRecord("bob", HASH, Role.OWNER, "bob", List.of(), false, T);
    TokenRecord aliceOnA2 =
        new TokenRecord(
            "alice-a2", HASH, Role.OWNER, "alice", List.of(ClusterId.of("ca2")), false, T);

    assertThat(Access.mayRead(alice, detachA, c -> Optional.ofNullable(clusters.get(c)))).isTrue();
    assertThat(Access.mayRead(aliceOnA, detachA, c -> Optional.ofNullable(clusters.get(c))))
        .isTrue();
    assertThat(Access.mayRead(admin, detachA, c -> Optional.empty())).isTrue();
    assertThat(Access.mayRead(bob, detachA, c -> Optional.ofNullable(clusters.get(c)))).isFalse();
    assertThat(Access.mayRead(aliceOnA2, detachA, c -> Optional.ofNullable(clusters.get(c))))
        .isFalse();
    assertThat(Access.mayRead(alice, detachA, c -> Optional.empty())).isFalse();
  }
}
