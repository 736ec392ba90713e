package io.roam.manager.jobs;

import io.roam.common.api.AgentLaunchRequest;
import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.api.GridStatus;
import io.roam.common.api.MigrateRequest;
import io.roam.common.api.MigrationAccepted;
import io.roam.common.api.NodeSummary;
import io.roam.common.api.Page;
import io.roam.common.api.RunJobRequest;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.lifecycle.DaemonThreads;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import io.roam.common.model.NodeRecord;
import io.roam.manager.agents.AgentClient;
import io.roam.manager.agents.AgentRefusedException;
import io.roam.manager.agents.AgentUnreachableException;
import io.roam.store.GridStore;
import io.roam.web.HttpProblem;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * What the API does with jobs and nodes. Every job is registered in the store before any agent
 * hears of it, and every failure to start it is recorded on that record: no job is ever lost.
 */
public final class JobService {
  public static final int MAX_PAGE = 10_000;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobService.class);

  /** Checkpoints asked for without waiting; an agent takes one at a time per job anyway. */
  private static final java.util.concurrent.ExecutorService CHECKPOINTS =
      java.util.concurrent.Executors.newFixedThreadPool(
          2, DaemonThreads.named("checkpoint-request"));

  private final GridStore store;
  private final AgentClient agents;
  private final Clock clock;
  private final RandomGenerator random;
  private final String grid;
  private final String zookeeper;

  public JobService(
      GridStore store,
      AgentClient agents,
      Clock clock,
      RandomGenerator random,
      String grid,
      String zookeeper) {
    this.store = store;
    this.agents = agents;
    this.clock = clock;
    this.random = random;
    this.grid = grid;
    this.zookeeper = zookeeper;
  }

  public JobRecord run(RunJobRequest request) {
    return run(request, null);
  }

  /** Starts a job on behalf of {@code owner} (the caller's principal), recorded on the job. */
  public JobRecord run(RunJobRequest request, String owner) {
    NodeRecord target;
    if (request.node() != null) {
      target =
          store
              .node(request.node())
              .orElseThrow(
                  () ->
                      new HttpProblem(
                          404,
                          "unknown node '"
                              + request.node()
                              + "': no such node is up (see gridctl node list)"));
    } else {
      // Nodes of clusters leaving (or out of) the grid take no new work from it.
      java.util.Set<io.roam.common.id.ClusterId> away =
          store.clusters().stream()
              .filter(c -> c.state() != io.roam.common.model.ClusterState.ATTACHED)
              .map(io.roam.common.model.ClusterRecord::id)
              .collect(java.util.stream.Collectors.toSet());
      target =
          InitialPlacement.choose(
                  store.nodes().stream().filter(n -> !away.contains(n.cluster())).toList(),
                  store.jobs(),
                  random)
              .orElseThrow(() -> new HttpProblem(503, "no node is up in an attached cluster"));
    }
    JobId id = store.nextJobId();
    JobRecord job =
        JobRecord.pending(id, request.command(), target.id(), target.cluster(), clock.instant())
            .ownedBy(owner)
            .withLocked(request.lockedOrFalse())
            .withCheckpointEvery(request.checkpointEverySeconds());
    store.createJob(job);
    try {
      return agents.launch(target, new AgentLaunchRequest(id, request.command()));
    } catch (AgentRefusedException e) {
      failIfPending(id, e.getMessage());
      int status = e.status() == 422 ? 422 : 502;
      throw new HttpProblem(
          status, "job " + id + " could not start on " + target.id() + ": " + e.getMessage());
    } catch (AgentUnreachableException e) {
      failIfPending(id, e.getMessage());
      throw new HttpProblem(502, "job " + id + " could not start: " + e.getMessage());
    }
  }

  private void failIfPending(JobId id, String why) {
    store.updateJob(
        id,
        j -> j.state() == JobState.PENDING ? j.ended(JobState.FAILED, why, clock.instant()) : j);
  }

  /** The job as stored now, with its version (read from the store, not a cache). */
  public Optional<io.roam.store.Versioned<JobRecord>> stored(JobId id) {
    return store.job(id);
  }

  public JobRecord job(JobId id) {
    return store
        .job(id)
        .orElseThrow(() -> new HttpProblem(404, "unknown job '" + id + "' (see gridctl ps)"))
        .value();
  }

  public Page<JobRecord> jobs(
      Optional<JobState> state, Optional<NodeId> node, int offset, int limit) {
    List<JobRecord> matching =
        store.jobs().stream()
            .filter(j -> state.isEmpty() || j.state() == state.get())
            .filter(j -> node.isEmpty() || j.node().equals(node.get()))
            .toList();
    int from = Math.min(offset, matching.size());
    int to = Math.min(matching.size(), from + limit);
    return new Page<>(matching.subList(from, to), matching.size(), offset, limit);
  }

  public JobRecord kill(JobId id) {
    JobRecord job = job(id);
    if (job.state().terminal()) {
      throw new HttpProblem(409, "job " + id + " has already ended (" + job.state() + ")");
    }
    NodeRecord node = liveNode(job);
    try {
      agents.kill(node, id);
    } catch (AgentRefusedException e) {
      throw new HttpProblem(e.status() == 404 ? 409 : 502, e.getMessage());
    } catch (AgentUnreachableException e) {
      throw new HttpProblem(502, e.getMessage());
    }
    return job(id);
  }

  /**
   * Asks the job's agent to move it; the outcome appears on the job's record ({@code
   * lastMigration}) under the returned attempt id.
   */
  public MigrationAccepted migrate(JobId id, MigrateRequest request) {
    JobRecord job = job(id);
    if (job.state() != JobState.RUNNING) {
      throw new HttpProblem(409, "job " + id + " is " + job.state() + ": only running jobs move");
    }
    NodeId target;
    try {
      target =
          MigrateRequest.HOME.equals(request.target()) ? job.home() : NodeId.of(request.target());
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage() + " (or 'home')");
    }
    if (target.equals(job.node())) {
      throw new HttpProblem(409, "job " + id + " already runs on " + target);
    }
    if (store.node(target).isEmpty()) {
      throw new HttpProblem(
          404, "unknown node '" + target + "': no such node is up (see gridctl node list)");
    }
    NodeRecord source = liveNode(job);
    String attempt = "m" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
    try {
      agents.migrate(source, id, new AgentMigrateRequest(target, attempt));
    } catch (AgentRefusedException e) {
      throw new HttpProblem(e.status() == 404 || e.status() == 409 ? 409 : 502, e.getMessage());
    } catch (AgentUnreachableException e) {
      throw new HttpProblem(502, e.getMessage());
    }
    return new MigrationAccepted(id, attempt, job.node(), target);
  }

  /**
   * Locks or unlocks a job: a locked job is never moved by automatic balancing (an explicit
   * migration, a cluster detach or a node expel still move it). Only a job that has not ended.
   */
  public JobRecord lock(JobId id, boolean lock) {
    JobRecord job = job(id);
    if (job.state().terminal()) {
      throw new HttpProblem(409, "job " + id + " has already ended (" + job.state() + ")");
    }
    return store.updateJob(id, j -> j.withLocked(lock));
  }

  /**
   * Checkpoints a running job; its image is kept on the job's home node and named on its record.
   *
   * @param wait answer once the checkpoint is kept (the record names it), or refused with the
   *     reason; otherwise at once, with the checkpoint taken in the background
   */
  public JobRecord checkpoint(JobId id, boolean wait) {
    JobRecord job = job(id);
    if (job.state() != JobState.RUNNING) {
      throw new HttpProblem(
          409, "job " + id + " is " + job.state() + ": only running jobs are checkpointed");
    }
    NodeRecord node = liveNode(job);
    if (!wait) {
      CHECKPOINTS.execute(
          () -> {
            try {
              agents.checkpoint(node, id);
            } catch (RuntimeException e) {
              LOG.warn("checkpoint of job {} not taken: {}", id, e.getMessage());
            }
          });
      return job;
    }
    try {
      return agents.checkpoint(node, id);
    } catch (AgentRefusedException e) {
      throw new HttpProblem(e.status() == 404 || e.status() == 409 ? 409 : 502, e.getMessage());
    } catch (AgentUnreachableException e) {
      throw new HttpProblem(502, e.getMessage());
    }
  }

  /** The job's state as stored (read first) and a chunk of its output. */
  public record Logs(JobState state, AgentClient.LogChunk chunk) {}

  public Logs logs(JobId id, String stream, long offset) {
    JobRecord job = job(id);
    if (!stream.equals("stdout") && !stream.equals("stderr")) {
      throw new HttpProblem(400, "stream must be stdout or stderr, not '" + stream + "'");
    }
    try {
      return new Logs(job.state(), agents.logs(filesNode(job), id, stream, offset));
    } catch (AgentRefusedException e) {
      if (e.status() == 404 && job.returnedHome() == null) {
        // The files may have gone home between reading the record and asking the node.
        JobRecord again = job(id);
        if (again.returnedHome() != null) {
          return logsAtHome(again, stream, offset);
        }
      }
      throw new HttpProblem(e.status() == 404 ? 404 : 502, e.getMessage());
    } catch (AgentUnreachableException e) {
      throw new HttpProblem(502, e.getMessage());
    }
  }

  private Logs logsAtHome(JobRecord job, String stream, long offset) {
    try {
      return new Logs(job.state(), agents.logs(filesNode(job), job.id(), stream, offset));
    } catch (AgentRefusedException e) {
      throw new HttpProblem(e.status() == 404 ? 404 : 502, e.getMessage());
    } catch (AgentUnreachableException e) {
      throw new HttpProblem(502, e.getMessage());
    }
  }

  /**
   * Where the job's files are: its home once they returned there, else the node where it runs or
   * ended.
   */
  private NodeRecord filesNode(JobRecord job) {
    if (job.returnedHome() == null) {
      return liveNode(job);
    }
    return store
        .node(job.home())
        .orElseThrow(
            () ->
                new HttpProblem(
                    503,
                    "node "
                        + job.home()
                        + ", where the files of job "
                        + job.id()
                        + " are, is not up"));
  }

  /** A node's view of the grid's load, learnt by gossip: its own entry first, others with ages. */
  public byte[] load(NodeId id) {
    NodeRecord node =
        store
            .node(id)
            .orElseThrow(
                () -> new HttpProblem(404, "unknown node '" + id + "' (see gridctl node list)"));
    try {
      return agents.load(node);
    } catch (AgentRefusedException | AgentUnreachableException e) {
      throw new HttpProblem(502, e.getMessage());
    }
  }

  private NodeRecord liveNode(JobRecord job) {
    return store
        .node(job.node())
        .orElseThrow(
            () ->
                new HttpProblem(503, "node " + job.node() + " of job " + job.id() + " is not up"));
  }

  public List<NodeSummary> nodes() {
    Map<NodeId, Integer> running = new HashMap<>();
    for (JobRecord job : store.jobs()) {
      if (job.state() == JobState.RUNNING) {
        running.merge(job.node(), 1, Integer::sum);
      }
    }
    return store.nodes().stream()
        .map(n -> NodeSummary.of(n, running.getOrDefault(n.id(), 0)))
        .toList();
  }

  public NodeSummary node(NodeId id) {
    return nodes().stream()
        .filter(n -> n.id().equals(id))
        .findFirst()
        .orElseThrow(
            () -> new HttpProblem(404, "unknown node '" + id + "' (see gridctl node list)"));
  }

  public GridStatus status() {
    Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      counts.put(s, 0);
    }
    store.jobs().forEach(j -> counts.merge(j.state(), 1, Integer::sum));
    return new GridStatus(grid, zookeeper, store.clusters().size(), store.nodes().size(), counts);
  }
}
