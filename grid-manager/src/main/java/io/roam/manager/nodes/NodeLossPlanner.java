package io.roam.manager.nodes;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The pure decision of node loss: which jobs of vanished nodes restart from their checkpoint, and
 * where, and which are lost. No I/O; time comes in the snapshot.
 */
public final class NodeLossPlanner {
  private NodeLossPlanner() {}

  /**
   * What the grid looks like now.
   *
   * @param jobs every job record
   * @param live the nodes registered now
   * @param missingSince when each job was first seen on a node that is not registered (jobs not in
   *     it are seen missing for the first time now)
   * @param restoreAskedAt when the node that keeps a RESTARTING job's checkpoint was last asked to
   *     restore it (absent: not by this manager)
   */
  public record Snapshot(
      List<JobRecord> jobs,
      Set<NodeId> live,
      Map<JobId, Instant> missingSince,
      Map<JobId, Instant> restoreAskedAt,
      Instant now) {
    public Snapshot {
      jobs = List.copyOf(jobs);
      live = Set.copyOf(live);
      missingSince = Map.copyOf(missingSince);
      restoreAskedAt = Map.copyOf(restoreAskedAt);
      Objects.requireNonNull(now, "now");
    }
  }

  /** One decision about one job. */
  public sealed interface Decision {
    JobId job();
  }

  /** Its node has been gone for less than the grace: it may still come back. */
  public record Wait(JobId job, NodeId gone, Instant since) implements Decision {}

  /**
   * Restore it from its checkpoint on {@code keeper}; the record says {@code reason} until then.
   */
  public record Restart(
      JobId job, NodeId gone, NodeId keeper, JobCheckpoint checkpoint, String reason)
      implements Decision {}

  /** It is RESTARTING on a live node that has not (recently) been asked to restore it: ask. */
  public record AskRestore(JobId job, NodeId keeper) implements Decision {}

  /** It cannot come back; the reason says why. */
  public record Lost(JobId job, NodeId gone, String reason) implements Decision {}

  /**
   * Decides for every job that is not ended and whose node is not registered, and for every job
   * RESTARTING on a live node whose restore was not asked for within {@code askAgainAfter}. Other
   * jobs get no decision.
   *
   * @param grace how long a node must have been gone before its jobs are restarted or lost: a few
   *     ZooKeeper session timeouts, so that an agent that was only disconnected comes back first,
   *     and one whose session was lost has fenced its jobs (docs/design/checkpoint.md)
   */
  public static List<Decision> decide(Snapshot grid, Duration grace, Duration askAgainAfter) {
    List<Decision> out = new ArrayList<>();
    for (JobRecord job : grid.jobs()) {
      if (job.state().terminal()) {
        continue;
      }
      NodeId at = job.node();
      if (grid.live().contains(at)) {
        if (job.state() == JobState.RESTARTING) {
          Instant asked = grid.restoreAskedAt().get(job.id());
          if (asked == null || !asked.plus(askAgainAfter).isAfter(grid.now())) {
            out.add(new AskRestore(job.id(), at));
          }
        }
        continue;
      }
      Instant since = grid.missingSince().getOrDefault(job.id(), grid.now());
      if (Duration.between(since, grid.now()).compareTo(grace) < 0) {
        out.add(new Wait(job.id(), at, since));
        continue;
      }
      out.add(afterLoss(job, at, grid.live()));
    }
    return out;
  }

  private static Decision afterLoss(JobRecord job, NodeId gone, Set<NodeId> live) {
    String lost = "node " + gone + " left the grid while the job ran there";
    if (job.state() == JobState.PENDING) {
      return new Lost(job.id(), gone, "node " + gone + " left the grid before the job started");
    }
    JobCheckpoint cp = job.checkpoint();
    if (cp == null) {
      return new Lost(job.id(), gone, lost + ", and no checkpoint of it exists");
    }
    if (cp.keptOn().equals(gone)) {
      return new Lost(
          job.id(),
          gone,
          lost + ", and its latest checkpoint (of " + cp.takenAt() + ") was kept on that node");
    }
    if (!live.contains(cp.keptOn())) {
      return new Lost(
          job.id(),
          gone,
          lost
              + ", and node "
              + cp.keptOn()
              + ", which keeps its latest checkpoint (of "
              + cp.takenAt()
              + "), is gone too");
    }
    return new Restart(
        job.id(),
        gone,
        cp.keptOn(),
        cp,
        "restarting from the checkpoint of " + cp.takenAt() + " after node " + gone + " was lost");
  }

  /** The reason a job restored from {@code cp} carries once it runs again. */
  public static String restartedReason(JobCheckpoint cp, NodeId gone) {
    return "restarted from the checkpoint of " + cp.takenAt() + " after node " + gone + " was lost";
  }
}
