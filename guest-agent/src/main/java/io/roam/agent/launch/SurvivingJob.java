package io.roam.agent.launch;

import io.roam.common.lifecycle.DaemonThreads;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A job whose processes outlived the agent that started them: a restarted agent holds it by PID (it
 * is not its child any more). It ends when its launcher ({@code unshare} or {@code criu restore})
 * does; its exit code is in the job's {@code exit-status} file, as for any job.
 */
public final class SurvivingJob implements LaunchedJob {
  private final LiveProcess launcher;
  private final long rootPid;
  private final Optional<ProcessHandle> handle;
  private final CompletableFuture<Void> exit;

  public SurvivingJob(LiveProcess launcher, long rootPid) {
    this.launcher = launcher;
    this.rootPid = rootPid;
    this.handle = launcher.alive() ? ProcessHandle.of(launcher.pid()) : Optional.empty();
    this.exit = new CompletableFuture<>();
    // Polled rather than ProcessHandle.onExit: that counts a zombie (a launcher nobody reaped, as
    // under a PID 1 that does not reap) as alive, and backs off to 5 s between looks.
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.ScheduledFuture<?>> poll =
        new java.util.concurrent.atomic.AtomicReference<>();
    exit.whenComplete(
        (v, e) -> {
          var f = poll.get();
          if (f != null) {
            f.cancel(false);
          }
        });
    if (handle.isEmpty()) {
      exit.complete(null);
    } else {
      poll.set(
          POLL.scheduleWithFixedDelay(
              () -> {
                if (!launcher.alive()) {
                  exit.complete(null);
                }
              },
              0,
              250,
              TimeUnit.MILLISECONDS));
      if (exit.isDone()) {
        poll.get().cancel(false);
      }
    }
  }

  private static final java.util.concurrent.ScheduledExecutorService POLL =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          DaemonThreads.named("surviving-jobs"));

  @Override
  public long pid() {
    return launcher.pid();
  }

  @Override
  public long rootPid() {
    return rootPid;
  }

  @Override
  public CompletableFuture<Void> onExit() {
    return exit;
  }

  @Override
  public void kill(Duration grace) {
    if (handle.isEmpty() || !launcher.alive()) {
      return;
    }
    ProcessHandle h = handle.get();
    List<ProcessHandle> tree = h.descendants().toList();
    if (!grace.isZero()) {
      tree.forEach(ProcessHandle::destroy);
      try {
        exit.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // still running after the grace period
      }
    }
    h.descendants().forEach(ProcessHandle::destroyForcibly);
    tree.forEach(ProcessHandle::destroyForcibly);
    h.destroyForcibly();
  }
}
