package io.roam.store;

import io.roam.common.id.ClusterId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.common.model.NodeFlags;
import io.roam.common.zk.ZkLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node flags (stay, block) in ZooKeeper, one persistent znode per flagged node, and a watch over
 * all of them (Curator's {@link CuratorCache}): readers such as a balancer's step or a migration's
 * admission read the cached copy, never ZooKeeper. Changes are compare-and-set on the znode.
 */
public final class NodeFlagStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeFlagStore.class);

  private final CuratorFramework client;
  private final ZkLayout layout;
  private CuratorCache cache;

  public NodeFlagStore(CuratorFramework client, ZkLayout layout) {
    this.client = client;
    this.layout = layout;
  }

  /** Starts watching; until then (or if never started) every read goes to ZooKeeper. */
  public synchronized NodeFlagStore start() {
    try {
      client.create().creatingParentsIfNeeded().forPath(layout.nodeFlags());
    } catch (KeeperException.NodeExistsException e) {
      // already there
    } catch (Exception e) {
      throw Stores.failure("create " + layout.nodeFlags(), e);
    }
    cache = CuratorCache.build(client, layout.nodeFlags());
    cache.start();
    return this;
  }

  /** The node's flags as last seen (none if it was never flagged). */
  public Optional<NodeFlags> flags(NodeId id) {
    CuratorCache c = cache;
    if (c == null) {
      return read(id).map(Versioned::value);
    }
    return c.get(layout.nodeFlags(id)).flatMap(this::decode).map(Versioned::value);
  }

  /** Whether the node is flagged stay, as last seen. */
  public boolean stay(NodeId id) {
    return flags(id).map(NodeFlags::stay).orElse(false);
  }

  /** Whether the node is flagged block, as last seen. */
  public boolean blocked(NodeId id) {
    return flags(id).map(NodeFlags::block).orElse(false);
  }

  /** Every flagged node's flags as last seen, by node id. */
  public List<NodeFlags> all() {
    List<NodeFlags> out = new ArrayList<>();
    CuratorCache c = cache;
    if (c != null) {
      c.stream()
          .filter(d -> !d.getPath().equals(layout.nodeFlags()))
          .map(this::decode)
          .flatMap(Optional::stream)
          .forEach(v -> out.add(v.value()));
    }
    out.sort(Comparator.comparing(f -> f.node().value()));
    return out;
  }

  /** The node's flags read from ZooKeeper now, with their version. */
  public Optional<Versioned<NodeFlags>> read(NodeId id) {
    return Stores.read(client, layout.nodeFlags(id), NodeFlags.class);
  }

  /**
   * Changes the node's flags by compare-and-set (creating them, for a node of {@code cluster}, if
   * there are none), retrying on conflict, and waits briefly until the watch shows the change.
   */
  public NodeFlags update(NodeId id, ClusterId cluster, UnaryOperator<NodeFlags> change) {
    String path = layout.nodeFlags(id);
    while (true) {
      Optional<Versioned<NodeFlags>> current = read(id);
      NodeFlags before = current.map(Versioned::value).orElse(NodeFlags.none(id, cluster));
      NodeFlags next = change.apply(before);
      try {
        int version;
        if (current.isEmpty()) {
          client.create().creatingParentsIfNeeded().forPath(path, Json.encode(next));
          version = 0;
        } else {
          version =
              client
                  .setData()
                  .withVersion(current.get().version())
                  .forPath(path, Json.encode(next))
                  .getVersion();
        }
        awaitSeen(id, version, Duration.ofSeconds(5));
        return next;
      } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException e) {
        // someone else changed them first: read again
      } catch (Exception e) {
        throw Stores.failure("set the flags of node " + id, e);
      }
    }
  }

  private void awaitSeen(NodeId id, int version, Duration within) {
    CuratorCache c = cache;
    if (c == null) {
      return;
    }
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<ChildData> d = c.get(layout.nodeFlags(id));
      if (d.isPresent() && d.get().getStat().getVersion() >= version) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Optional<Versioned<NodeFlags>> decode(ChildData d) {
    try {
      return Optional.of(
          new Versioned<>(Json.decode(d.getData(), NodeFlags.class), d.getStat().getVersion()));
    } catch (JsonException e) {
      LOG.error("ignoring the node flags at {}: {}", d.getPath(), e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public synchronized void close() {
    if (cache != null) {
      cache.close();
    }
  }
}
