package io.roam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roam.common.id.ClusterId;
import io.roam.common.id.HostId;
import io.roam.common.id.NodeId;
import io.roam.common.model.DesiredDomain;
import io.roam.common.model.HostDesiredState;
import io.roam.common.model.HostRecord;
import io.roam.common.model.PortForward;
import io.roam.common.zk.ZkLayout;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real in-process ZooKeeper server. */
class CuratorHostStoreIT {
  private static final HostId H1 = HostId.of("h1");
  private static final ZkLayout LAYOUT = new ZkLayout("t");
  private static final Duration SESSION = Duration.ofSeconds(4);
  private static final Duration CONNECT = Duration.ofSeconds(10);
  private static final Duration WAIT =
      Duration.ofSeconds(10L * Integer.getInteger("roam.test.timeScale", 1));

  private TestingServer zk;
  private CuratorGridStore grid;
  private CuratorHostStore hosts;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    grid = CuratorGridStore.connect(zk.getConnectString(), LAYOUT, SESSION, CONNECT);
    hosts = new CuratorHostStore(grid.client(), LAYOUT);
  }

  @AfterEach
  void stop() throws Exception {
    grid.close();
    zk.close();
  }

  private static HostRecord host(HostId id) {
    return new HostRecord(
        id,
        2,
        1L << 33,
        2,
        1L << 32,
        "9.0.0",
        "qemu",
        "configured",
        List.of(),
        List.of(),
        Instant.EPOCH);
  }

  private static HostDesiredState wants(String... nodes) {
    return new HostDesiredState(
        java.util.Arrays.stream(nodes)
            .map(
                n ->
                    new DesiredDomain(
                        NodeId.of(n),
                        ClusterId.of("c1"),
                        1,
                        256,
                        "base.qcow2",
                        "0".repeat(64),
                        List.of(new PortForward(17400 + n.hashCode() % 100, 7400))))
            .toList());
  }

  @Test
  void aHostRecordLivesAsLongAsItsRegistration() {
    HostRegistration reg = hosts.registerHost(host(H1));
    assertThat(hosts.hosts()).extracting(HostRecord::id).containsExactly(H1);
    reg.update(
        new HostRecord(
            H1, 2, 1L << 33, 1, 1L, "9.0.0", "qemu", "x", List.of(), List.of(), Instant.EPOCH));
    assertThat(hosts.host(H1).orElseThrow().freeVcpus()).isEqualTo(1);
    reg.close();
    assertThat(hosts.host(H1)).isEmpty();
  }

  @Test
  void aSecondLiveDaemonForTheSameHostIsRefused() {
    try (CuratorGridStore other =
            CuratorGridStore.connect(zk.getConnectString(), LAYOUT, SESSION, CONNECT);
        HostRegistration reg = hosts.registerHost(host(H1))) {
      CuratorHostStore otherHosts = new CuratorHostStore(other.client(), LAYOUT);
      assertThatThrownBy(() -> otherHosts.registerHost(host(H1)))
          .hasMessageContaining("already registered");
    }
  }

  @Test
  void theWatcherSeesTheCurrentStateThenEveryChange() throws Exception {
    hosts.putDesiredState(H1, wants("n1"));
    List<Optional<HostDesiredState>> seen = new CopyOnWriteArrayList<>();
    try (Closeable watch = hosts.watchDesiredState(H1, seen::add)) {
      await().atMost(WAIT).until(() -> seen.size() == 1);
      assertThat(seen.get(0)).contains(wants("n1"));

      hosts.putDesiredState(H1, wants("n1", "n2"));
      await().atMost(WAIT).until(() -> seen.contains(Optional.of(wants("n1", "n2"))));

      hosts.deleteDesiredState(H1);
      await().atMost(WAIT).until(() -> seen.get(seen.size() - 1).isEmpty());
    }
    assertThat(hosts.desiredState(H1)).isEmpty();
  }

  @Test
  void aCorruptDesiredStateIsNotDeliveredAsEmpty() throws Exception {
    List<Optional<HostDesiredState>> seen = new CopyOnWriteArrayList<>();
    try (Closeable watch = hosts.watchDesiredState(H1, seen::add)) {
      await().atMost(WAIT).until(() -> seen.size() == 1);
      assertThat(seen.get(0)).isEmpty();
      grid.client()
          .create()
          .creatingParentsIfNeeded()
          .forPath(LAYOUT.desiredState(H1), "{not json".getBytes(StandardCharsets.UTF_8));
      hosts.putDesiredState(H1, wants("n3"));
      await().atMost(WAIT).until(() -> seen.contains(Optional.of(wants("n3"))));
      assertThat(seen).hasSize(2);
    }
  }
}
