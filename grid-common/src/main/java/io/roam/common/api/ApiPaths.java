package io.roam.common.api;

/**
 * Routes of the manager's REST API and of the agents' API. Both take {@code Authorization: Bearer
 * TOKEN}: a user's token for the manager, the grid's agent secret between manager and agents.
 */
public final class ApiPaths {
  public static final String API = "/api/v1";
  public static final String STATUS = API + "/status";
  public static final String CLUSTERS = API + "/clusters";
  public static final String NODES = API + "/nodes";
  public static final String JOBS = API + "/jobs";
  public static final String OPERATIONS = API + "/operations";
  public static final String HOSTS = API + "/hosts";
  public static final String VMS = API + "/vms";

  /** GET: the grid's changes as server-sent events; query: types=FAMILY,... to narrow them. */
  public static final String EVENTS = API + "/events";

  public static String hostVms(String host) {
    return HOSTS + "/" + host + "/vms";
  }

  public static String clusterDetach(String cluster) {
    return CLUSTERS + "/" + cluster + "/detach";
  }

  public static String clusterAttach(String cluster) {
    return CLUSTERS + "/" + cluster + "/attach";
  }

  public static String operation(String id) {
    return OPERATIONS + "/" + id;
  }

  /** GET: a chunk of a job's output; query: stream=stdout|stderr, offset=N. */
  public static String jobLogs(String job) {
    return JOBS + "/" + job + "/logs";
  }

  public static String job(String job) {
    return JOBS + "/" + job;
  }

  public static String jobKill(String job) {
    return JOBS + "/" + job + "/kill";
  }

  public static String jobMigrate(String job) {
    return JOBS + "/" + job + "/migrate";
  }

  /** POST: lock the job: automatic balancing leaves it where it is. */
  public static String jobLock(String job) {
    return JOBS + "/" + job + "/lock";
  }

  /** POST: unlock the job: automatic balancing may move it again. */
  public static String jobUnlock(String job) {
    return JOBS + "/" + job + "/unlock";
  }

  /** POST: change a node's flags (stay, block); the body names the flags to change. */
  public static String nodeFlags(String node) {
    return NODES + "/" + node + "/flags";
  }

  /** POST: send every guest on the node away (an operation). */
  public static String nodeExpel(String node) {
    return NODES + "/" + node + "/expel";
  }

  /** POST: bring every job whose home is the node back to it (an operation). */
  public static String nodeBring(String node) {
    return NODES + "/" + node + "/bring";
  }

  /** POST: checkpoint a running job; query wait=true answers once the checkpoint is kept. */
  public static String jobCheckpoint(String job) {
    return JOBS + "/" + job + "/checkpoint";
  }

  public static final String AGENT = "/agent/v1";
  public static final String AGENT_HEALTH = AGENT + "/health";
  public static final String AGENT_JOBS = AGENT + "/jobs";

  /** GET: the node's view of the grid's load (its gossip view), its own entry first. */
  public static final String AGENT_LOAD = AGENT + "/load";

  /** The node's own load entry alone, as it stands now: what a node passing a job on asks. */
  public static final String AGENT_LOAD_SELF = AGENT_LOAD + "/self";

  public static String agentJobLogs(String job) {
    return AGENT_JOBS + "/" + job + "/logs";
  }

  public static String agentJobMigrate(String job) {
    return AGENT_JOBS + "/" + job + "/migrate";
  }

  public static String agentJobKill(String job) {
    return AGENT_JOBS + "/" + job + "/kill";
  }

  /** POST: checkpoint a job running on the node; its image goes to the job's home node. */
  public static String agentJobCheckpoint(String job) {
    return AGENT_JOBS + "/" + job + "/checkpoint";
  }

  /** POST: restore a RESTARTING job from the checkpoint this node keeps. */
  public static String agentJobRestore(String job) {
    return AGENT_JOBS + "/" + job + "/restore";
  }

  /** Response header of a log chunk: the offset to ask for next. */
  public static final String NEXT_OFFSET_HEADER = "X-Roam-Next-Offset";

  /** Response header of a log chunk: the job's state when the chunk was read. */
  public static final String JOB_STATE_HEADER = "X-Roam-Job-State";

  /** Largest log chunk one request returns. */
  public static final int MAX_LOG_CHUNK = 1 << 20;

  private ApiPaths() {}
}
