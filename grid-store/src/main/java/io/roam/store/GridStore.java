package io.roam.store;

import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import java.io.Closeable;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The grid's shared truth: clusters, live nodes and jobs. The real implementation keeps it in
 * ZooKeeper; every change of a job is a compare-and-set on its version.
 */
public interface GridStore extends Closeable {

  /** Creates the cluster if it does not exist yet; returns what is stored. */
  ClusterRecord ensureCluster(ClusterRecord cluster);

  Optional<ClusterRecord> cluster(ClusterId id);

  List<ClusterRecord> clusters();

  /** Publishes a live node until the registration is closed or the session ends. */
  NodeRegistration registerNode(NodeRecord node);

  Optional<NodeRecord> node(NodeId id);

  List<NodeRecord> nodes();

  /** Hands out the next grid-wide job id. */
  JobId nextJobId();

  /**
   * Stores a new job.
   *
   * @throws StoreException if a job with that id exists
   */
  void createJob(JobRecord job);

  Optional<Versioned<JobRecord>> job(JobId id);

  /** All jobs, in id order. */
  List<JobRecord> jobs();

  /**
   * Writes {@code job} if the stored version is still {@code expectedVersion}.
   *
   * @return false if someone else changed the job first
   */
  boolean compareAndSet(JobRecord job, int expectedVersion);

  /**
   * Applies {@code change} to the current job by compare-and-set, retrying on conflict.
   *
   * @throws NotFoundException if there is no such job
   */
  default JobRecord updateJob(JobId id, UnaryOperator<JobRecord> change) {
    return updateJob(id, Optional.empty(), change);
  }

  /**
   * As above, trying {@code known} (a version read earlier) first instead of reading the job: one
   * compare-and-set when nobody changed it since; otherwise, or if the change leaves that old
   * record as it is (only a fresh read decides that nothing is to be written), it reads the job and
   * goes on as above.
   *
   * @throws NotFoundException if there is no such job
   */
  default JobRecord updateJob(
      JobId id, Optional<Versioned<JobRecord>> known, UnaryOperator<JobRecord> change) {
    if (known.isPresent()) {
      JobRecord next = change.apply(known.get().value());
      if (!next.equals(known.get().value()) && compareAndSet(next, known.get().version())) {
        return next;
      }
    }
    while (true) {
      Versioned<JobRecord> current =
          job(id).orElseThrow(() -> new NotFoundException("no job " + id));
      JobRecord next = change.apply(current.value());
      if (next.equals(current.value()) || compareAndSet(next, current.version())) {
        return next;
      }
    }
  }

  /**
   * Writes {@code cluster} if the stored version is still {@code expectedVersion}.
   *
   * @return false if someone else changed it first
   */
  boolean compareAndSetCluster(ClusterRecord cluster, int expectedVersion);

  Optional<Versioned<ClusterRecord>> clusterVersioned(ClusterId id);

  /**
   * Sets a cluster's state by compare-and-set, retrying on conflict.
   *
   * @throws NotFoundException if there is no such cluster
   */
  default ClusterRecord updateCluster(ClusterId id, ClusterState state) {
    while (true) {
      Versioned<ClusterRecord> current =
          clusterVersioned(id).orElseThrow(() -> new NotFoundException("no cluster " + id));
      ClusterRecord next = current.value().withState(state);
      if (next.equals(current.value()) || compareAndSetCluster(next, current.version())) {
        return next;
      }
    }
  }

  /** Stores a new operation; fails if one with that id exists. */
  void createOperation(OperationRecord operation);

  Optional<Versioned<OperationRecord>> operation(String id);

  /** All operations, oldest first. */
  List<OperationRecord> operations();

  /**
   * Writes {@code operation} if the stored version is still {@code expectedVersion}.
   *
   * @return the version written, empty if the stored one was no longer {@code expectedVersion}
   */
  java.util.OptionalInt compareAndSetOperation(OperationRecord operation, int expectedVersion);

  @Override
  void close();
}
