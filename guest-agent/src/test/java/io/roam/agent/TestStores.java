package io.roam.agent;

import io.roam.common.zk.ZkLayout;
import io.roam.store.CuratorGridStore;
import java.time.Duration;
import org.apache.curator.test.TestingServer;

/** The grid store the agent's integration tests share, on their own in-process ZooKeeper. */
public final class TestStores {
  private TestStores() {}

  /** A store of grid "t" on {@code zk}: 5 s sessions, 10 s to connect. */
  public static CuratorGridStore connect(TestingServer zk) {
    return CuratorGridStore.connect(
        zk.getConnectString(), new ZkLayout("t"), Duration.ofSeconds(5), Duration.ofSeconds(10));
  }
}
