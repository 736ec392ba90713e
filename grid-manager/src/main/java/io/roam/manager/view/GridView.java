package io.roam.manager.view;

import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.json.Json;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.zk.ZkLayout;
import io.roam.store.Versioned;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's in-memory view of jobs, nodes, clusters, policies and tokens (and the changes of
 * cluster operations, as events), kept current by ZooKeeper watches (Curator's {@link
 * CuratorCache}). Reads never touch ZooKeeper; writers that need their own change visible wait for
 * it with {@link #await}. Each job keeps its JSON encoding, so a listing of thousands of jobs is a
 * concatenation, not thousands of encodings.
 */
public final class GridView implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(GridView.class);

  /** A job as stored, with its znode version and its encoding. */
  public record JobEntry(JobRecord job, int version, byte[] json) {}

  private final CuratorFramework client;
  private final ZkLayout layout;
  private final ConcurrentSkipListMap<JobId, JobEntry> jobs = new ConcurrentSkipListMap<>();
  private final Map<NodeId, NodeRecord> nodes = new ConcurrentHashMap<>();
  private final Map<ClusterId, ClusterRecord> clusters = new ConcurrentHashMap<>();
  private final Map<ClusterId, Versioned<ClusterPolicy>> policies = new ConcurrentHashMap<>();
  private final Map<String, TokenRecord> tokensByName = new ConcurrentHashMap<>();
  private final Map<String, TokenRecord> tokensByHash = new ConcurrentHashMap<>();
  private final Map<String, OperationRecord> running = new ConcurrentHashMap<>();
  private final List<Consumer<GridEvent>> listeners = new CopyOnWriteArrayList<>();
  private final List<CuratorCache> caches = new ArrayList<>();
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong generation = new AtomicLong();
  private final Object changed = new Object();
  private volatile boolean initialised;

  public GridView(CuratorFramework client, ZkLayout layout) {
    this.client = client;
    this.layout = layout;
  }

  /** Loads everything and starts following changes; returns once the first load is complete. */
  public synchronized GridView start(Duration timeout) throws InterruptedException {
    CountDownLatch loaded = new CountDownLatch(6);
    follow(layout.jobs(), JobId::of, this::onJob, loaded);
    follow(layout.nodes(), NodeId::of, this::onNode, loaded);
    follow(layout.clusters(), ClusterId::of, this::onCluster, loaded);
    follow(layout.policies(), ClusterId::of, this::onPolicy, loaded);
    follow(layout.tokens(), name -> name, this::onToken, loaded);
    follow(layout.operations(), name -> name, this::onOperation, loaded);
    if (!loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "the grid's records did not load from ZooKeeper within " + timeout.toSeconds() + " s");
    }
    initialised = true;
    LOG.info(
        "read model loaded: {} jobs, {} nodes, {} clusters, {} tokens",
        jobs.size(),
        nodes.size(),
        clusters.size(),
        tokensByName.size());
    return this;
  }

  /** Handles one znode below a followed parent: its id, its data (null: deleted), its version. */
  private interface Change<I> {
    void apply(I id, byte[] data, int version);
  }

  private <I> void follow(
      String parent, Function<String, I> toId, Change<I> change, CountDownLatch loaded) {
    CuratorCache cache = CuratorCache.build(client, parent);
    Consumer<ChildData> upsert = d -> dispatch(parent, d, toId, change, false);
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forCreates(upsert)
                .forChanges((before, after) -> upsert.accept(after))
                .forDeletes(d -> dispatch(parent, d, toId, change, true))
                .forInitialized(loaded::countDown)
                .build());
    caches.add(cache);
    cache.start();
  }

  private <I> void dispatch(
      String parent, ChildData d, Function<String, I> toId, Change<I> change, boolean deleted) {
    String path = d.getPath();
    if (path.length() <= parent.length() + 1 || path.indexOf('/', parent.length() + 1) >= 0) {
      return; // the parent itself, or something deeper than its children
    }
    String name = path.substring(parent.length() + 1);
    try {
      I id = toId.apply(name);
      change.apply(
          id, deleted ? null : d.getData(), d.getStat() == null ? 0 : d.getStat().getVersion());
    } catch (RuntimeException e) {
      LOG.warn("skipping {}: {}", path, e.getMessage());
    }
    generation.incrementAndGet();
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  /**
   * A number that grows with every change the view applies: an answer computed from the view at one
   * generation is still right while the generation is the same.
   */
  public long generation() {
    return generation.get();
  }

  private void onJob(JobId id, byte[] data, int version) {
    if (data == null) {
      if (jobs.remove(id) != null) {
        publish("job.deleted", id.value(), null, null);
      }
      return;
    }
    JobRecord job = Json.decode(data, JobRecord.class);
    JobEntry before = jobs.put(id, new JobEntry(job, version, Json.encode(job)));
    publish(before == null ? "job.created" : "job.changed", id.value(), job.homeCluster(), job);
  }

  private void onNode(NodeId id, byte[] data, int version) {
    if (data == null) {
      NodeRecord gone = nodes.remove(id);
      if (gone != null) {
        publish("node.left", id.value(), gone.cluster(), null);
      }
      return;
    }
    NodeRecord node = Json.decode(data, NodeRecord.class);
    NodeRecord before = nodes.put(id, node);
    publish(before == null ? "node.joined" : "node.changed", id.value(), node.cluster(), node);
  }

  private void onCluster(ClusterId id, byte[] data, int version) {
    if (data == null) {
      if (clusters.remove(id) != null) {
        publish("cluster.deleted", id.value(), id, null);
      }
      return;
    }
    ClusterRecord cluster = Json.decode(data, ClusterRecord.class);
    ClusterRecord before = clusters.put(id, cluster);
    publish(before == null ? "cluster.created" : "cluster.changed", id.value(), id, cluster);
  }

  private void onPolicy(ClusterId id, byte[] data, int version) {
    if (data == null) {
      policies.remove(id);
      publish("policy.changed", id.value(), id, ClusterPolicy.defaults());
      return;
    }
    ClusterPolicy policy = Json.decode(data, ClusterPolicy.class);
    policies.put(id, new Versioned<>(policy, version));
    publish("policy.changed", id.value(), id, policy);
  }

  /**
   * Operations are published, and the running ones kept (so that the engine need not read every
   * operation record each pass); their progress is read from the store on request.
   */
  private void onOperation(String id, byte[] data, int version) {
    if (data == null) {
      running.remove(id);
      publish("operation.deleted", id, null, null);
      return;
    }
    OperationRecord op = Json.decode(data, OperationRecord.class);
    if (op.state() == OperationRecord.State.RUNNING) {
      running.put(id, op);
    } else {
      running.remove(id);
    }
    publish(version == 0 ? "operation.created" : "operation.changed", id, op.cluster(), op);
  }

  private void onToken(String name, byte[] data, int version) {
    TokenRecord before = data == null ? tokensByName.remove(name) : tokensByName.get(name);
    if (before != null) {
      tokensByHash.remove(before.sha256());
    }
    if (data != null) {
      TokenRecord token = Json.decode(data, TokenRecord.class);
      tokensByName.put(name, token);
      tokensByHash.put(token.sha256(), token);
    }
    // Tokens are not published: their changes are nobody's business but the admin's.
  }

  private void publish(String type, String id, ClusterId cluster, Object value) {
    if (!initialised) {
      return;
    }
    // Each followed path has its own thread: numbering and handing out under one lock keeps the
    // events in the order of their numbers for every listener.
    synchronized (listeners) {
      GridEvent event = new GridEvent(seq.incrementAndGet(), type, id, cluster, value);
      for (Consumer<GridEvent> listener : listeners) {
        try {
          listener.accept(event);
        } catch (RuntimeException e) {
          LOG.warn("event listener failed on {}: {}", type, e.toString());
        }
      }
    }
  }

  /** Hears every change from now on, on the cache's thread: do not block in it. */
  public AutoCloseable listen(Consumer<GridEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Waits until {@code condition} holds on the view (checked after each change it sees).
   *
   * @return false if {@code timeout} passed first
   */
  public boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changed) {
      while (!condition.getAsBoolean()) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        try {
          changed.wait(Math.min(left, 100));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  public Optional<JobEntry> job(JobId id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Every job, in id order. */
  public Collection<JobEntry> jobs() {
    return jobs.values();
  }

  public int jobCount() {
    return jobs.size();
  }

  public Optional<NodeRecord> node(NodeId id) {
    return Optional.ofNullable(nodes.get(id));
  }

  public List<NodeRecord> nodes() {
    return nodes.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
  }

  public Optional<ClusterRecord> cluster(ClusterId id) {
    return Optional.ofNullable(clusters.get(id));
  }

  public List<ClusterRecord> clusters() {
    return clusters.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
  }

  /** The cluster's policy and its version; the default (version -1) when it never set one. */
  public Versioned<ClusterPolicy> policy(ClusterId id) {
    return policies.getOrDefault(id, new Versioned<>(ClusterPolicy.defaults(), -1));
  }

  /** The operations running as last seen, oldest first (as the store lists them). */
  public List<OperationRecord> runningOperations() {
    return running.values().stream()
        .sorted(
            java.util.Comparator.comparing(OperationRecord::createdAt)
                .thenComparing(OperationRecord::id))
        .toList();
  }

  public Optional<TokenRecord> tokenByHash(String sha256) {
    return Optional.ofNullable(tokensByHash.get(sha256));
  }

  public Optional<TokenRecord> token(String name) {
    return Optional.ofNullable(tokensByName.get(name));
  }

  public List<TokenRecord> tokens() {
    return tokensByName.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
  }

  @Override
  public synchronized void close() {
    listeners.clear();
    caches.forEach(CuratorCache::close);
    caches.clear();
  }
}
