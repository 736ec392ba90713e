package io.roam.store;

import io.roam.common.id.ClusterId;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.common.zk.ZkLayout;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * {@link GuestStore} in ZooKeeper: one znode per cluster, its version the compare-and-set guard.
 */
public final class CuratorGuestStore implements GuestStore {
  /** The ledger's encoding. */
  public record Ledger(List<Entry> guests) {
    public Ledger {
      guests = guests == null ? List.of() : List.copyOf(guests);
    }
  }

  private final CuratorFramework client;
  private final ZkLayout layout;

  public CuratorGuestStore(CuratorFramework client, ZkLayout layout) {
    this.client = client;
    this.layout = layout;
  }

  @Override
  public Optional<Versioned<List<Entry>>> guests(ClusterId cluster) {
    String path = layout.guests(cluster);
    Stat stat = new Stat();
    try {
      byte[] data = client.getData().storingStatIn(stat).forPath(path);
      return Optional.of(
          new Versioned<>(Json.decode(data, Ledger.class).guests(), stat.getVersion()));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    } catch (JsonException e) {
      throw new StoreException("corrupt record at " + path + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw Stores.failure("read the guests of cluster " + cluster, e);
    }
  }

  @Override
  public boolean create(ClusterId cluster, List<Entry> guests) {
    try {
      client
          .create()
          .creatingParentsIfNeeded()
          .forPath(layout.guests(cluster), Json.encode(new Ledger(guests)));
      return true;
    } catch (KeeperException.NodeExistsException e) {
      return false;
    } catch (Exception e) {
      throw Stores.failure("start the guest ledger of cluster " + cluster, e);
    }
  }

  @Override
  public boolean compareAndSet(ClusterId cluster, List<Entry> guests, int expectedVersion) {
    try {
      client
          .setData()
          .withVersion(expectedVersion)
          .forPath(layout.guests(cluster), Json.encode(new Ledger(guests)));
      return true;
    } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      return false;
    } catch (Exception e) {
      throw Stores.failure("update the guests of cluster " + cluster, e);
    }
  }
}
