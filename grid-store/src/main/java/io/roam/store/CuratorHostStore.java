package io.roam.store;

import io.roam.common.id.HostId;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import io.roam.common.model.HostDesiredState;
import io.roam.common.model.HostRecord;
import io.roam.common.zk.ZkLayout;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link HostStore} in ZooKeeper, through Curator. Paths come from {@link ZkLayout} only. */
public final class CuratorHostStore implements HostStore {
  private static final Logger LOG = LoggerFactory.getLogger(CuratorHostStore.class);
  private static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(15);

  private final CuratorFramework client;
  private final ZkLayout layout;

  /** Uses a started client owned by the caller. */
  public CuratorHostStore(CuratorFramework client, ZkLayout layout) {
    this.client = client;
    this.layout = layout;
  }

  @Override
  public HostRegistration registerHost(HostRecord host) {
    String path = layout.host(host.id());
    try {
      Stat existing = client.checkExists().forPath(path);
      if (existing != null
          && existing.getEphemeralOwner()
              != client.getZookeeperClient().getZooKeeper().getSessionId()) {
        throw new StoreException(
            "host "
                + host.id()
                + " is already registered by another live vm-node; stop it or give this host"
                + " another id");
      }
      PersistentNode znode =
          new PersistentNode(client, CreateMode.EPHEMERAL, false, path, Json.encode(host));
      znode.start();
      if (!znode.waitForInitialCreate(REGISTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        znode.close();
        throw new StoreException("could not register host " + host.id() + " in time");
      }
      return new ZkHostRegistration(znode, host);
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw Stores.failure("register host " + host.id(), e);
    }
  }

  @Override
  public Optional<HostRecord> host(HostId id) {
    return read(layout.host(id), HostRecord.class).map(Versioned::value);
  }

  @Override
  public List<HostRecord> hosts() {
    List<String> names;
    try {
      names = client.getChildren().forPath(layout.hosts());
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw Stores.failure("list hosts", e);
    }
    List<HostRecord> result = new ArrayList<>();
    for (String name : names) {
      try {
        host(HostId.of(name)).ifPresent(result::add);
      } catch (IllegalArgumentException | StoreException e) {
        LOG.warn("skipping host {}: {}", name, e.getMessage());
      }
    }
    result.sort(Comparator.comparing(HostRecord::id));
    return result;
  }

  @Override
  public Optional<Versioned<HostDesiredState>> desiredState(HostId id) {
    return read(layout.desiredState(id), HostDesiredState.class);
  }

  @Override
  public void putDesiredState(HostId id, HostDesiredState state) {
    String path = layout.desiredState(id);
    byte[] data = Json.encode(state);
    try {
      client.create().orSetData().creatingParentsIfNeeded().forPath(path, data);
    } catch (Exception e) {
      throw Stores.failure("write the desired state of host " + id, e);
    }
  }

  @Override
  public void deleteDesiredState(HostId id) {
    try {
      client.delete().quietly().forPath(layout.desiredState(id));
    } catch (Exception e) {
      throw Stores.failure("delete the desired state of host " + id, e);
    }
  }

  @Override
  public Closeable watchDesiredState(HostId id, Consumer<Optional<HostDesiredState>> listener) {
    String path = layout.desiredState(id);
    CuratorCache cache = CuratorCache.build(client, path, CuratorCache.Options.SINGLE_NODE_CACHE);
    // Delivers the current value (not the event's), once per distinct value: fast successive
    // writes may coalesce, and the listener only ever sees what is stored now.
    AtomicReference<Optional<HostDesiredState>> last = new AtomicReference<>();
    Runnable deliver =
        () -> {
          Optional<ChildData> data = cache.get(path);
          Optional<HostDesiredState> value;
          if (data.isEmpty()) {
            value = Optional.empty();
          } else {
            try {
              value = Optional.of(Json.decode(data.get().getData(), HostDesiredState.class));
            } catch (JsonException e) {
              LOG.error(
                  "ignoring the desired state at {} (version {}): {}",
                  path,
                  data.get().getStat().getVersion(),
                  e.getMessage());
              return;
            }
          }
          if (!value.equals(last.getAndSet(value))) {
            listener.accept(value);
          }
        };
    AtomicBoolean initialized = new AtomicBoolean();
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forInitialized(
                    () -> {
                      initialized.set(true);
                      deliver.run();
                    })
                .forAll(
                    (type, oldData, data) -> {
                      if (initialized.get()) {
                        deliver.run();
                      }
                    })
                .build());
    cache.start();
    return cache::close;
  }

  private <T> Optional<Versioned<T>> read(String path, Class<T> type) {
    return Stores.read(client, path, type);
  }

  private static final class ZkHostRegistration implements HostRegistration {
    private final PersistentNode znode;
    private volatile HostRecord host;

    ZkHostRegistration(PersistentNode znode, HostRecord host) {
      this.znode = znode;
      this.host = host;
    }

    @Override
    public HostRecord host() {
      return host;
    }

    @Override
    public void update(HostRecord next) {
      if (!next.id().equals(host.id())) {
        throw new IllegalArgumentException("a registration cannot change its host id");
      }
      try {
        znode.setData(Json.encode(next));
        host = next;
      } catch (Exception e) {
        throw Stores.failure("update host " + next.id(), e);
      }
    }

    @Override
    public void close() {
      try {
        znode.close();
      } catch (Exception e) {
        LOG.warn("closing registration of host {}: {}", host.id(), e.toString());
      }
    }
  }
}
