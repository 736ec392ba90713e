package io.roam.store;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.zk.ZkLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link GridStore} in ZooKeeper, through Curator. Paths come from {@link ZkLayout} only. */
public final class CuratorGridStore implements GridStore {
  private static final Logger LOG = LoggerFactory.getLogger(CuratorGridStore.class);
  private static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(15);

  private final CuratorFramework client;
  private final boolean ownsClient;
  private final ZkLayout layout;
  private final java.util.Set<ZkNodeRegistration> registrations =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Uses a started client owned by the caller. */
  public CuratorGridStore(CuratorFramework client, ZkLayout layout) {
    this(client, false, layout);
  }

  private CuratorGridStore(CuratorFramework client, boolean ownsClient, ZkLayout layout) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.layout = layout;
  }

  /**
   * Connects to a ZooKeeper ensemble and waits until the connection is up.
   *
   * @throws StoreException if ZooKeeper cannot be reached within {@code connectTimeout}
   */
  public static CuratorGridStore connect(
      String connectString, ZkLayout layout, Duration sessionTimeout, Duration connectTimeout) {
    CuratorFramework client =
        CuratorFrameworkFactory.builder()
            .connectString(connectString)
            .sessionTimeoutMs((int) sessionTimeout.toMillis())
            .connectionTimeoutMs(
                (int) Math.min(connectTimeout.toMillis(), sessionTimeout.toMillis()))
            .retryPolicy(new ExponentialBackoffRetry(200, 8, 5_000))
            .build();
    client.start();
    try {
      if (!client.blockUntilConnected((int) connectTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        client.close();
        throw new StoreException(
            "cannot reach ZooKeeper at "
                + connectString
                + " within "
                + connectTimeout.toSeconds()
                + " s: is it running, and is the connect string right?");
      }
    } catch (InterruptedException e) {
      client.close();
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while connecting to ZooKeeper", e);
    }
    return new CuratorGridStore(client, true, layout);
  }

  public CuratorFramework client() {
    return client;
  }

  public ZkLayout layout() {
    return layout;
  }

  @Override
  public ClusterRecord ensureCluster(ClusterRecord cluster) {
    String path = layout.cluster(cluster.id());
    try {
      client.create().creatingParentsIfNeeded().forPath(path, Json.encode(cluster));
      return cluster;
    } catch (KeeperException.NodeExistsException e) {
      return cluster(cluster.id()).orElseThrow(() -> new StoreException(path + " vanished"));
    } catch (Exception e) {
      throw Stores.failure("create cluster " + cluster.id(), e);
    }
  }

  @Override
  public Optional<ClusterRecord> cluster(ClusterId id) {
    return read(layout.cluster(id), ClusterRecord.class).map(Versioned::value);
  }

  @Override
  public List<ClusterRecord> clusters() {
    return list(
        layout.clusters(), ClusterId::of, this::cluster, Comparator.comparing(ClusterRecord::id));
  }

  @Override
  public NodeRegistration registerNode(NodeRecord node) {
    String path = layout.node(node.id());
    try {
      Stat existing = client.checkExists().forPath(path);
      if (existing != null
          && existing.getEphemeralOwner()
              != client.getZookeeperClient().getZooKeeper().getSessionId()) {
        throw new AlreadyRegisteredException(
            "node "
                + node.id()
                + " is already registered by another live agent; give this node another id");
      }
      PersistentNode znode =
          new PersistentNode(client, CreateMode.EPHEMERAL, false, path, Json.encode(node));
      znode.start();
      if (!znode.waitForInitialCreate(REGISTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        znode.close();
        throw new StoreException("could not register node " + node.id() + " in time");
      }
      ZkNodeRegistration registration = new ZkNodeRegistration(znode, node, registrations);
      registrations.add(registration);
      return registration;
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw Stores.failure("register node " + node.id(), e);
    }
  }

  @Override
  public Optional<NodeRecord> node(NodeId id) {
    return read(layout.node(id), NodeRecord.class).map(Versioned::value);
  }

  @Override
  public List<NodeRecord> nodes() {
    return list(layout.nodes(), NodeId::of, this::node, Comparator.comparing(NodeRecord::id));
  }

  @Override
  public JobId nextJobId() {
    try {
      // The parent is persistent (not a container), so its child counter never resets.
      String created =
          client
              .create()
              .creatingParentsIfNeeded()
              .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
              .forPath(layout.jobSequence());
      client.delete().quietly().forPath(created);
      return JobId.ofNumber(layout.jobNumber(created));
    } catch (Exception e) {
      throw Stores.failure("hand out a job id", e);
    }
  }

  @Override
  public void createJob(JobRecord job) {
    try {
      client.create().creatingParentsIfNeeded().forPath(layout.job(job.id()), Json.encode(job));
    } catch (KeeperException.NodeExistsException e) {
      throw new StoreException("job " + job.id() + " exists already");
    } catch (Exception e) {
      throw Stores.failure("create job " + job.id(), e);
    }
  }

  @Override
  public Optional<Versioned<JobRecord>> job(JobId id) {
    return read(layout.job(id), JobRecord.class);
  }

  @Override
  public List<JobRecord> jobs() {
    return list(
        layout.jobs(),
        JobId::of,
        id -> job(id).map(Versioned::value),
        Comparator.comparing(JobRecord::id));
  }

  @Override
  public boolean compareAndSet(JobRecord job, int expectedVersion) {
    return setIfVersion(layout.job(job.id()), job, expectedVersion, "job " + job.id()).isPresent();
  }

  @Override
  public Optional<Versioned<ClusterRecord>> clusterVersioned(ClusterId id) {
    return read(layout.cluster(id), ClusterRecord.class);
  }

  @Override
  public boolean compareAndSetCluster(ClusterRecord cluster, int expectedVersion) {
    return setIfVersion(
            layout.cluster(cluster.id()), cluster, expectedVersion, "cluster " + cluster.id())
        .isPresent();
  }

  @Override
  public void createOperation(OperationRecord operation) {
    try {
      client
          .create()
          .creatingParentsIfNeeded()
          .forPath(layout.operation(operation.id()), Json.encode(operation));
    } catch (KeeperException.NodeExistsException e) {
      throw new StoreException("operation " + operation.id() + " exists already");
    } catch (Exception e) {
      throw Stores.failure("create operation " + operation.id(), e);
    }
  }

  @Override
  public Optional<Versioned<OperationRecord>> operation(String id) {
    return read(layout.operation(id), OperationRecord.class);
  }

  @Override
  public List<OperationRecord> operations() {
    return list(
        layout.operations(),
        name -> name,
        id -> operation(id).map(Versioned::value),
        Comparator.comparing(OperationRecord::createdAt).thenComparing(OperationRecord::id));
  }

  @Override
  public java.util.OptionalInt compareAndSetOperation(
      OperationRecord operation, int expectedVersion) {
    return setIfVersion(
        layout.operation(operation.id()),
        operation,
        expectedVersion,
        "operation " + operation.id());
  }

  private java.util.OptionalInt setIfVersion(
      String path, Object value, int expectedVersion, String what) {
    try {
      return java.util.OptionalInt.of(
          client
              .setData()
              .withVersion(expectedVersion)
              .forPath(path, Json.encode(value))
              .getVersion());
    } catch (KeeperException.BadVersionException e) {
      return java.util.OptionalInt.empty();
    } catch (KeeperException.NoNodeException e) {
      throw new NotFoundException("no " + what);
    } catch (Exception e) {
      throw Stores.failure("update " + what, e);
    }
  }

  @Override
  public void close() {
    if (ownsClient) {
      // Registrations first: a registration still open when its client closes sees its ephemeral
      // node deleted by the closing session and recreates it on the closed client, whose failure
      // Curator's PersistentNode answers by recreating it again, on the same stack, until the
      // ZooKeeper event thread logs a StackOverflowError.
      registrations.forEach(ZkNodeRegistration::close);
      client.close();
    }
  }

  private <T> Optional<Versioned<T>> read(String path, Class<T> type) {
    return Stores.read(client, path, type);
  }

  /** Reads every child; children that vanish meanwhile or cannot be read are left out. */
  private <I, T> List<T> list(
      String parent,
      Function<String, I> toId,
      Function<I, Optional<T>> reader,
      Comparator<T> order) {
    List<String> names;
    try {
      names = client.getChildren().forPath(parent);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    } catch (Exception e) {
      throw Stores.failure("list " + parent, e);
    }
    List<T> result = new ArrayList<>(names.size());
    for (String name : names) {
      try {
        reader.apply(toId.apply(name)).ifPresent(result::add);
      } catch (IllegalArgumentException | StoreException e) {
        LOG.warn("skipping {}/{}: {}", parent, name, e.getMessage());
      }
    }
    result.sort(order);
    return result;
  }

  private static final class ZkNodeRegistration implements NodeRegistration {
    private final PersistentNode znode;
    private final java.util.Set<ZkNodeRegistration> open;
    private volatile NodeRecord node;

    ZkNodeRegistration(
        PersistentNode znode, NodeRecord node, java.util.Set<ZkNodeRegistration> open) {
      this.znode = znode;
      this.node = node;
      this.open = open;
    }

    @Override
    public NodeRecord node() {
      return node;
    }

    @Override
    public void update(NodeRecord next) {
      if (!next.id().equals(node.id())) {
        throw new IllegalArgumentException("a registration cannot change its node id");
      }
      try {
        znode.setData(Json.encode(next));
        node = next;
      } catch (Exception e) {
        throw Stores.failure("update node " + next.id(), e);
      }
    }

    @Override
    public void close() {
      open.remove(this);
      try {
        znode.close();
      } catch (Exception e) {
        LOG.warn("closing registration of {}: {}", node.id(), e.toString());
      }
    }
  }
}
