package io.roam.agent.placement;

import io.roam.common.id.JobId;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Local work first: which guests a node sends away because its own cluster's jobs need the cores.
 * Pure: a function of the situation and the clock.
 *
 * <p>The node is under pressure when some local job is runnable and the runnable local jobs plus
 * the guests (each counted as a core it may take any moment) exceed the node's cores: local jobs
 * wait for guests. Once the pressure has lasted {@code hold} without a break, the most recently
 * arrived guests are sent away, as many as the excess; then the clock starts again, so that the
 * next decision sees the node after those moves (hysteresis: no flapping on a brief burst, and no
 * second wave before the first has left).
 */
public final class GuestEviction {
  /**
   * A job on the deciding node.
   *
   * @param guest its home is another cluster
   * @param runnable its threads ready to run now
   * @param arrivedAt when it started, or last arrived, here
   */
  public record Resident(JobId job, boolean guest, int runnable, Instant arrivedAt) {
    public Resident {
      Objects.requireNonNull(job, "job");
      Objects.requireNonNull(arrivedAt, "arrivedAt");
      if (runnable < 0) {
        throw new IllegalArgumentException("runnable must be >= 0, not " + runnable);
      }
    }
  }

  /**
   * What the node knows when it decides.
   *
   * @param cores the cores the node offers
   * @param jobs its running jobs, local and guests
   * @param pressureSince since when the node has been under pressure without a break, as the
   *     previous decision returned; empty if it was not
   */
  public record Situation(int cores, List<Resident> jobs, Optional<Instant> pressureSince) {
    public Situation {
      if (cores < 1) {
        throw new IllegalArgumentException("cores must be >= 1, not " + cores);
      }
      jobs = List.copyOf(jobs);
      Objects.requireNonNull(pressureSince, "pressureSince");
    }
  }

  /**
   * What to do.
   *
   * @param pressureSince to hand to the next decision
   * @param sendAway the guests to migrate away now, the most recently arrived first
   */
  public record Decision(Optional<Instant> pressureSince, List<JobId> sendAway) {
    public Decision {
      Objects.requireNonNull(pressureSince, "pressureSince");
      sendAway = List.copyOf(sendAway);
    }
  }

  private final Duration hold;
  private final InstantSource clock;

  /**
   * @param hold how long local jobs must have waited before guests are sent away
   */
  public GuestEviction(Duration hold, InstantSource clock) {
    this.hold = Objects.requireNonNull(hold, "hold");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (hold.isNegative()) {
      throw new IllegalArgumentException("hold must be >= 0");
    }
  }

  /**
   * Whether one more guest would make this node's local jobs wait: a node in that state takes no
   * guests, or it would soon send them away again (no flapping).
   */
  public static boolean wouldCrowd(Situation s) {
    int localRunnable =
        s.jobs().stream().filter(j -> !j.guest()).mapToInt(Resident::runnable).sum();
    long guests = s.jobs().stream().filter(Resident::guest).count();
    return localRunnable > 0 && localRunnable + guests + 1 > s.cores();
  }

  public Decision decide(Situation s) {
    Instant now = clock.instant();
    int localRunnable =
        s.jobs().stream().filter(j -> !j.guest()).mapToInt(Resident::runnable).sum();
    List<Resident> guests = s.jobs().stream().filter(Resident::guest).toList();
    int excess = Math.min(guests.size(), localRunnable + guests.size() - s.cores());
    if (localRunnable == 0 || excess <= 0) {
      return new Decision(Optional.empty(), List.of());
    }
    Instant since = s.pressureSince().orElse(now);
    if (Duration.between(since, now).compareTo(hold) < 0) {
      return new Decision(Optional.of(since), List.of());
    }
    List<JobId> away =
        guests.stream()
            .sorted(
                Comparator.comparing(Resident::arrivedAt).thenComparing(Resident::job).reversed())
            .limit(excess)
            .map(Resident::job)
            .toList();
    return new Decision(Optional.of(now), away);
  }
}
