package io.roam.store;

import io.roam.common.id.ClusterId;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterRecord;
import io.roam.common.zk.ZkLayout;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * {@link ClusterStore} in ZooKeeper: a cluster and its policy are created in one transaction, so a
 * cluster never exists without the policy its creator asked for.
 */
public final class CuratorClusterStore implements ClusterStore {
  private final CuratorFramework client;
  private final ZkLayout layout;

  public CuratorClusterStore(CuratorFramework client, ZkLayout layout) {
    this.client = client;
    this.layout = layout;
  }

  @Override
  public void create(ClusterRecord cluster, ClusterPolicy policy) {
    try {
      ensureParent(layout.clusters());
      ensureParent(layout.policies());
      CuratorOp createCluster =
          client
              .transactionOp()
              .create()
              .forPath(layout.cluster(cluster.id()), Json.encode(cluster));
      CuratorOp setPolicy =
          client.transactionOp().create().forPath(layout.policy(cluster.id()), Json.encode(policy));
      if (client.checkExists().forPath(layout.policy(cluster.id())) != null) {
        // A policy left by a cluster that was deleted by hand: replace it.
        client.delete().forPath(layout.policy(cluster.id()));
      }
      client.transaction().forOperations(createCluster, setPolicy);
    } catch (KeeperException.NodeExistsException e) {
      throw new ConflictException("cluster " + cluster.id() + " exists already");
    } catch (Exception e) {
      throw Stores.failure("create cluster " + cluster.id(), e);
    }
  }

  @Override
  public Optional<Versioned<ClusterPolicy>> policy(ClusterId id) {
    String path = layout.policy(id);
    Stat stat = new Stat();
    try {
      byte[] data = client.getData().storingStatIn(stat).forPath(path);
      return Optional.of(
          new Versioned<>(Json.decode(data, ClusterPolicy.class), stat.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (JsonException e) {
      throw new StoreException("corrupt record at " + path + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw Stores.failure("read the policy of " + id, e);
    }
  }

  @Override
  public int setPolicy(ClusterId id, ClusterPolicy policy) {
    try {
      if (client.checkExists().forPath(layout.cluster(id)) == null) {
        throw new NotFoundException("no cluster " + id);
      }
      ensureParent(layout.policies());
      client.create().orSetData().forPath(layout.policy(id), Json.encode(policy));
      Stat stat = client.checkExists().forPath(layout.policy(id));
      return stat == null ? 0 : stat.getVersion();
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw Stores.failure("set the policy of " + id, e);
    }
  }

  private void ensureParent(String path) throws Exception {
    try {
      client.create().creatingParentsIfNeeded().forPath(path);
    } catch (KeeperException.NodeExistsException e) {
      // already there
    }
  }
}
