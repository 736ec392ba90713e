package io.roam.manager.view;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.store.GridStore;
import io.roam.store.NodeRegistration;
import io.roam.store.Versioned;
import java.util.List;
import java.util.Optional;

/**
 * A {@link GridStore} whose listings come from the read model (no ZooKeeper round trip per record)
 * and whose writes, and single-job reads (which guard compare-and-set), go to the real store. Where
 * the view may not yet show what a client just did elsewhere (a node that registered a moment ago),
 * a miss is checked against the store before it becomes an answer.
 */
public final class ViewBackedStore implements GridStore {
  private final GridStore store;
  private final GridView view;

  public ViewBackedStore(GridStore store, GridView view) {
    this.store = store;
    this.view = view;
  }

  @Override
  public ClusterRecord ensureCluster(ClusterRecord cluster) {
    return store.ensureCluster(cluster);
  }

  @Override
  public Optional<ClusterRecord> cluster(ClusterId id) {
    return view.cluster(id);
  }

  @Override
  public List<ClusterRecord> clusters() {
    return view.clusters();
  }

  @Override
  public NodeRegistration registerNode(NodeRecord node) {
    return store.registerNode(node);
  }

  @Override
  public Optional<NodeRecord> node(NodeId id) {
    return view.node(id).or(() -> store.node(id));
  }

  @Override
  public List<NodeRecord> nodes() {
    List<NodeRecord> nodes = view.nodes();
    return nodes.isEmpty() ? store.nodes() : nodes;
  }

  @Override
  public JobId nextJobId() {
    return store.nextJobId();
  }

  @Override
  public void createJob(JobRecord job) {
    store.createJob(job);
  }

  @Override
  public Optional<Versioned<JobRecord>> job(JobId id) {
    return store.job(id);
  }

  @Override
  public List<JobRecord> jobs() {
    return view.jobs().stream().map(GridView.JobEntry::job).toList();
  }

  @Override
  public boolean compareAndSet(JobRecord job, int expectedVersion) {
    return store.compareAndSet(job, expectedVersion);
  }

  @Override
  public void close() {
    // the underlying store belongs to the manager
  }

  // Operations and cluster state changes are rare and guarded by versions: straight to the store.
  @Override
  public boolean compareAndSetCluster(ClusterRecord cluster, int expectedVersion) {
    return store.compareAndSetCluster(cluster, expectedVersion);
  }

  @Override
  public Optional<Versioned<ClusterRecord>> clusterVersioned(ClusterId id) {
    return store.clusterVersioned(id);
  }

  @Override
  public void createOperation(OperationRecord operation) {
    store.createOperation(operation);
  }

  @Override
  public Optional<Versioned<OperationRecord>> operation(String id) {
    return store.operation(id);
  }

  @Override
  public List<OperationRecord> operations() {
    return store.operations();
  }

  @Override
  public java.util.OptionalInt compareAndSetOperation(
      OperationRecord operation, int expectedVersion) {
    return store.compareAndSetOperation(operation, expectedVersion);
  }
}
