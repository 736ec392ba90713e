package io.roam.agent.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Checkpointer} that touches no process: for tests of the code that drives migrations, and
 * for fault injection. A dump writes a small marker image naming the pid; a restore reads it back
 * and hands out a process handle that stays alive until destroyed. Failures are injected per step,
 * and every call is recorded.
 */
public final class FakeCheckpointer implements Checkpointer {
  private static final String IMAGE = "fake-image";

  private final Map<CheckpointStep, Failure> failures =
      Collections.synchronizedMap(new EnumMap<>(CheckpointStep.class));
  private final Map<Long, String> unmigratable = new ConcurrentHashMap<>();
  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean preDump = true;
  private volatile long nextPid = 100_000;

  private record Failure(String reason, int times) {}

  /** Makes every following call of {@code step} fail with {@code reason}. */
  public FakeCheckpointer failAt(CheckpointStep step, String reason) {
    failures.put(step, new Failure(reason, Integer.MAX_VALUE));
    return this;
  }

  /** Makes the next call of {@code step} fail with {@code reason}, and later ones succeed. */
  public FakeCheckpointer failOnceAt(CheckpointStep step, String reason) {
    failures.put(step, new Failure(reason, 1));
    return this;
  }

  public FakeCheckpointer clearFailures() {
    failures.clear();
    return this;
  }

  /** Makes {@link #check} report {@code pid} as not migratable, and its dumps fail. */
  public FakeCheckpointer unmigratable(long pid, String reason) {
    unmigratable.put(pid, reason);
    return this;
  }

  /** Behaves like a node whose kernel cannot track dirty memory. */
  public FakeCheckpointer withoutPreDump() {
    preDump = false;
    return this;
  }

  /** The calls made so far, like "dump 42", "restore /path". */
  public List<String> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  @Override
  public Migratability check(long pid) {
    calls.add("check " + pid);
    String reason = unmigratable.get(pid);
    return reason == null ? Migratability.yes() : new Migratability(List.of(reason));
  }

  @Override
  public boolean supportsPreDump() {
    return preDump;
  }

  @Override
  public DumpResult preDump(DumpRequest request) throws CheckpointException {
    calls.add("pre-dump " + request.pid());
    if (!preDump) {
      throw new CheckpointException(
          CheckpointStep.PRE_DUMP, "this node's kernel does not track dirtied memory", null);
    }
    return write(CheckpointStep.PRE_DUMP, request);
  }

  @Override
  public DumpResult dump(DumpRequest request) throws CheckpointException {
    calls.add("dump " + request.pid());
    String reason = unmigratable.get(request.pid());
    if (reason != null) {
      throw new CheckpointException(CheckpointStep.DUMP, reason, null);
    }
    return write(CheckpointStep.DUMP, request);
  }

  @Override
  public RestoredJob restore(RestoreRequest request) throws CheckpointException {
    calls.add("restore " + request.imagesDir());
    maybeFail(CheckpointStep.RESTORE);
    Path image = request.imagesDir().resolve(IMAGE);
    if (!Files.isRegularFile(image)) {
      throw new CheckpointException(
          CheckpointStep.RESTORE, "the checkpoint images are damaged or incomplete", null);
    }
    long pid = nextPid++;
    return new RestoredJob(
        pid,
        new FakeProcess(pid),
        request.imagesDir().resolve("restore.log"),
        new RestoreStats(Duration.ZERO, Duration.ofMillis(1), 1),
        Duration.ofMillis(1));
  }

  private DumpResult write(CheckpointStep step, DumpRequest request) throws CheckpointException {
    maybeFail(step);
    try {
      Files.createDirectories(request.imagesDir());
      Files.writeString(request.imagesDir().resolve(IMAGE), Long.toString(request.pid()));
    } catch (IOException e) {
      throw new CheckpointException(step, "cannot write images: " + e.getMessage(), null, e);
    }
    DumpStats stats =
        new DumpStats(Duration.ZERO, Duration.ofMillis(1), Duration.ZERO, Duration.ZERO, 1, 0, 1);
    return new DumpResult(
        request.imagesDir(),
        request.imagesDir().resolve(step.word() + ".log"),
        stats,
        Duration.ofMillis(1),
        CriuCheckpointer.imageBytes(request.imagesDir()));
  }

  private void maybeFail(CheckpointStep step) throws CheckpointException {
    Failure failure;
    synchronized (failures) {
      failure = failures.get(step);
      if (failure == null) {
        return;
      }
      if (failure.times() <= 1) {
        failures.remove(step);
      } else if (failure.times() != Integer.MAX_VALUE) {
        failures.put(step, new Failure(failure.reason(), failure.times() - 1));
      }
    }
    throw new CheckpointException(step, failure.reason(), null);
  }

  /** A process handle that is alive until destroyed, then exits as if killed (137). */
  static final class FakeProcess extends Process {
    private final long pid;
    private final CountDownLatch ended = new CountDownLatch(1);

    FakeProcess(long pid) {
      this.pid = pid;
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public OutputStream getOutputStream() {
      return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream getInputStream() {
      return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public InputStream getErrorStream() {
      return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public int waitFor() throws InterruptedException {
      ended.await();
      return 137;
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
      return ended.await(timeout, unit);
    }

    @Override
    public int exitValue() {
      if (ended.getCount() > 0) {
        throw new IllegalThreadStateException("process " + pid + " has not exited");
      }
      return 137;
    }

    @Override
    public boolean isAlive() {
      return ended.getCount() > 0;
    }

    @Override
    public void destroy() {
      ended.countDown();
    }
  }
}
