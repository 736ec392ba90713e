package io.roam.manager.operations;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.store.GridStore;
import io.roam.store.NodeRegistration;
import io.roam.store.StoreException;
import io.roam.store.Versioned;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The grid store's contract in memory (versions and compare-and-set), for the engine's tests. */
final class MemoryGridStore implements GridStore {
  private final Map<ClusterId, Versioned<ClusterRecord>> clusters = new LinkedHashMap<>();
  private final Map<NodeId, NodeRecord> nodes = new LinkedHashMap<>();
  private final Map<JobId, Versioned<JobRecord>> jobs = new TreeMap<>();
  private final Map<String, Versioned<OperationRecord>> operations = new LinkedHashMap<>();
  private long nextJob = 1;
  int operationWrites;
  int operationReads;

  @Override
  public synchronized ClusterRecord ensureCluster(ClusterRecord cluster) {
    return clusters.computeIfAbsent(cluster.id(), c -> new Versioned<>(cluster, 0)).value();
  }

  @Override
  public synchronized Optional<ClusterRecord> cluster(ClusterId id) {
    return Optional.ofNullable(clusters.get(id)).map(Versioned::value);
  }

  @Override
  public synchronized List<ClusterRecord> clusters() {
    return clusters.values().stream().map(Versioned::value).toList();
  }

  @Override
  public synchronized NodeRegistration registerNode(NodeRecord node) {
    nodes.put(node.id(), node);
    return new NodeRegistration() {
      @Override
      public NodeRecord node() {
        return node;
      }

      @Override
      public void update(NodeRecord next) {
        synchronized (MemoryGridStore.this) {
          nodes.put(next.id(), next);
        }
      }

      @Override
      public void close() {
        synchronized (MemoryGridStore.this) {
          nodes.remove(node.id());
        }
      }
    };
  }

  @Override
  public synchronized Optional<NodeRecord> node(NodeId id) {
    return Optional.ofNullable(nodes.get(id));
  }

  @Override
  public synchronized List<NodeRecord> nodes() {
    return List.copyOf(nodes.values());
  }

  @Override
  public synchronized JobId nextJobId() {
    return JobId.ofNumber(nextJob++);
  }

  @Override
  public synchronized void createJob(JobRecord job) {
    if (jobs.putIfAbsent(job.id(), new Versioned<>(job, 0)) != null) {
      throw new StoreException("job " + job.id() + " exists");
    }
  }

  @Override
  public synchronized Optional<Versioned<JobRecord>> job(JobId id) {
    return Optional.ofNullable(jobs.get(id));
  }

  @Override
  public synchronized List<JobRecord> jobs() {
    return jobs.values().stream().map(Versioned::value).toList();
  }

  @Override
  public synchronized boolean compareAndSet(JobRecord job, int expectedVersion) {
    Versioned<JobRecord> now = jobs.get(job.id());
    if (now == null || now.version() != expectedVersion) {
      return false;
    }
    jobs.put(job.id(), new Versioned<>(job, expectedVersion + 1));
    return true;
  }

  @Override
  public synchronized boolean compareAndSetCluster(ClusterRecord cluster, int expectedVersion) {
    Versioned<ClusterRecord> now = clusters.get(cluster.id());
    if (now == null || now.version() != expectedVersion) {
      return false;
    }
    clusters.put(cluster.id(), new Versioned<>(cluster, expectedVersion + 1));
    return true;
  }

  @Override
  public synchronized Optional<Versioned<ClusterRecord>> clusterVersioned(ClusterId id) {
    return Optional.ofNullable(clusters.get(id));
  }

  @Override
  public synchronized void createOperation(OperationRecord operation) {
    if (operations.putIfAbsent(operation.id(), new Versioned<>(operation, 0)) != null) {
      throw new StoreException("operation " + operation.id() + " exists");
    }
  }

  @Override
  public synchronized Optional<Versioned<OperationRecord>> operation(String id) {
    operationReads++;
    return Optional.ofNullable(operations.get(id));
  }

  @Override
  public synchronized List<OperationRecord> operations() {
    return new ArrayList<>(operations.values().stream().map(Versioned::value).toList());
  }

  @Override
  public synchronized java.util.OptionalInt compareAndSetOperation(
      OperationRecord operation, int expectedVersion) {
    Versioned<OperationRecord> now = operations.get(operation.id());
    if (now == null || now.version() != expectedVersion) {
      return java.util.OptionalInt.empty();
    }
    operations.put(operation.id(), new Versioned<>(operation, expectedVersion + 1));
    operationWrites++;
    return java.util.OptionalInt.of(expectedVersion + 1);
  }

  @Override
  public void close() {}
}
