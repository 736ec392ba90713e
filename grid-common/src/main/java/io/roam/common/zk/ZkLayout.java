package io.roam.common.zk;

import io.roam.common.id.ClusterId;
import io.roam.common.id.HostId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;

/**
 * The one place where ZooKeeper paths are built. Every grid lives under its own root, so several
 * grids (and tests) can share an ensemble.
 *
 * <pre>
 * /roam/{grid}/clusters/{cluster}     ClusterRecord (persistent)
 * /roam/{grid}/nodes/{node}           NodeRecord (ephemeral: the agent's session)
 * /roam/{grid}/jobs/{job}             JobRecord (persistent; version = CAS guard)
 * /roam/{grid}/sequences/job-NNNN     ephemeral-sequential, to hand out job numbers
 * /roam/{grid}/operations/{op}        OperationRecord (persistent; driven by the leader)
 * /roam/{grid}/managers/leader        leader election of grid managers
 * /roam/{grid}/hosts/{host}           HostRecord (ephemeral: the host's vm-node session)
 * /roam/{grid}/desired/{host}         HostDesiredState (persistent: written by the manager)
 * /roam/{grid}/policies/{cluster}     ClusterPolicy (persistent; absent: the default policy)
 * /roam/{grid}/tokens/{name}          TokenRecord (persistent; holds only the token's SHA-256)
 * /roam/{grid}/nodeflags/{node}       NodeFlags (persistent: outlives the node's registration)
 * /roam/{grid}/guests/{cluster}       the cluster's guest ledger (persistent; version = CAS guard)
 * </pre>
 */
public final class ZkLayout {
  public static final String DEFAULT_GRID = "default";

  private final String root;

  public ZkLayout(String grid) {
    if (grid == null || !grid.matches("[a-z][a-z0-9-]{0,39}")) {
      throw new IllegalArgumentException(
          "grid name '" + grid + "' is not valid: use lower-case letters, digits and '-'");
    }
    this.root = "/roam/" + grid;
  }

  public String root() {
    return root;
  }

  public String clusters() {
    return root + "/clusters";
  }

  public String cluster(ClusterId id) {
    return clusters() + "/" + id.value();
  }

  public String nodes() {
    return root + "/nodes";
  }

  public String node(NodeId id) {
    return nodes() + "/" + id.value();
  }

  public String jobs() {
    return root + "/jobs";
  }

  public String job(JobId id) {
    return jobs() + "/" + id.value();
  }

  public String jobSequence() {
    return root + "/sequences/job-";
  }

  /** The number ZooKeeper appended to a sequential node created at {@link #jobSequence()}. */
  public long jobNumber(String createdPath) {
    String prefix = jobSequence();
    if (!createdPath.startsWith(prefix)) {
      throw new IllegalArgumentException(createdPath + " is not a job sequence node");
    }
    return Long.parseLong(createdPath.substring(prefix.length())) + 1;
  }

  public String operations() {
    return root + "/operations";
  }

  public String operation(String id) {
    if (id == null || !id.matches("[a-z0-9-]{1,64}")) {
      throw new IllegalArgumentException("operation id '" + id + "' is not valid");
    }
    return operations() + "/" + id;
  }

  public String managerLeader() {
    return root + "/managers/leader";
  }

  public String hosts() {
    return root + "/hosts";
  }

  public String host(HostId id) {
    return hosts() + "/" + id.value();
  }

  /** Parent of the desired-state znodes, one per host. */
  public String desiredStates() {
    return root + "/desired";
  }

  public String desiredState(HostId id) {
    return desiredStates() + "/" + id.value();
  }

  /** Parent of the cluster policies, one per cluster that has set one. */
  public String policies() {
    return root + "/policies";
  }

  public String policy(ClusterId id) {
    return policies() + "/" + id.value();
  }

  /** Parent of the API tokens, one znode per token name. */
  public String tokens() {
    return root + "/tokens";
  }

  public String token(String name) {
    if (name == null || !name.matches("[a-z][a-z0-9-]{0,39}")) {
      throw new IllegalArgumentException("token name '" + name + "' is not valid");
    }
    return tokens() + "/" + name;
  }

  /** Parent of the node flags (stay, block), one znode per node that has been flagged. */
  public String nodeFlags() {
    return root + "/nodeflags";
  }

  public String nodeFlags(NodeId id) {
    return nodeFlags() + "/" + id.value();
  }

  /** Parent of the guest ledgers, one znode per cluster that has admitted a guest. */
  public String guests() {
    return root + "/guests";
  }

  public String guests(ClusterId id) {
    return guests() + "/" + id.value();
  }
}
