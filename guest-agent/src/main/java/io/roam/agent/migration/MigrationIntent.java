package io.roam.agent.migration;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

/**
 * What one side of a migration was doing, written to the agent's state directory before it touches
 * the job, so that an agent restarted after dying half-way can finish or undo it.
 *
 * @param imagesDir where the job's checkpoint images are (source: its dump; target: received)
 * @param launcherPid the process holding the job here (unshare or criu restore); 0 if none yet
 * @param launcherStartTicks its start time, so a reused PID is never taken for it
 * @param rootPid the root of the job's tree here (the one that is stopped and resumed); 0 if none
 */
public record MigrationIntent(
    Side side,
    JobId job,
    NodeId source,
    NodeId target,
    String attempt,
    Phase phase,
    Path imagesDir,
    long launcherPid,
    long launcherStartTicks,
    long rootPid,
    Instant at) {

  public enum Side {
    SOURCE,
    TARGET
  }

  /** How far this side got. */
  public enum Phase {
    /** Source: about to freeze and dump; the images may be missing or partial. */
    FREEZING,
    /** Source: the dump is complete and the job stopped here. */
    DUMPED,
    /** Target: the job's files and images are all here; about to restore. */
    RESTORING,
    /** Target: restored here, stopped, waiting for the commit. */
    RESTORED
  }

  public MigrationIntent {
    Objects.requireNonNull(side, "side");
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(imagesDir, "imagesDir");
    Objects.requireNonNull(at, "at");
  }

  /** The node this side runs on. */
  public NodeId self() {
    return side == Side.SOURCE ? source : target;
  }

  /** Whether the images are complete (a restore from them can be tried). */
  public boolean imagesComplete() {
    return phase == Phase.DUMPED || phase == Phase.RESTORING || phase == Phase.RESTORED;
  }

  public MigrationIntent at(Phase next, long launcher, long launcherTicks, long root) {
    return new MigrationIntent(
        side, job, source, target, attempt, next, imagesDir, launcher, launcherTicks, root, at);
  }

  String encode() {
    Properties p = new Properties();
    p.setProperty("side", side.name());
    p.setProperty("job", job.value());
    p.setProperty("source", source.value());
    p.setProperty("target", target.value());
    p.setProperty("attempt", attempt);
    p.setProperty("phase", phase.name());
    p.setProperty("images", imagesDir.toString());
    p.setProperty("launcherPid", Long.toString(launcherPid));
    p.setProperty("launcherStartTicks", Long.toString(launcherStartTicks));
    p.setProperty("rootPid", Long.toString(rootPid));
    p.setProperty("at", at.toString());
    java.io.StringWriter out = new java.io.StringWriter();
    try {
      p.store(out, "Roam migration intent");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  /**
   * @throws IllegalArgumentException naming what is missing or wrong
   */
  static MigrationIntent decode(String text) {
    Properties p = new Properties();
    try {
      p.load(new java.io.StringReader(text));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("unreadable intent: " + e.getMessage(), e);
    }
    List<String> missing = new ArrayList<>();
    for (String key :
        List.of(
            "side",
            "job",
            "source",
            "target",
            "attempt",
            "phase",
            "images",
            "launcherPid",
            "launcherStartTicks",
            "rootPid",
            "at")) {
      if (p.getProperty(key) == null) {
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("intent lacks " + String.join(", ", missing));
    }
    try {
      return new MigrationIntent(
          Side.valueOf(p.getProperty("side")),
          JobId.of(p.getProperty("job")),
          NodeId.of(p.getProperty("source")),
          NodeId.of(p.getProperty("target")),
          p.getProperty("attempt"),
          Phase.valueOf(p.getProperty("phase")),
          Path.of(p.getProperty("images")),
          Long.parseLong(p.getProperty("launcherPid")),
          Long.parseLong(p.getProperty("launcherStartTicks")),
          Long.parseLong(p.getProperty("rootPid")),
          Instant.parse(p.getProperty("at")));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad intent: " + e.getMessage(), e);
    }
  }
}
