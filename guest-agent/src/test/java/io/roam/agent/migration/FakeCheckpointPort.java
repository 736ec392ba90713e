package io.roam.agent.migration;

import io.roam.agent.launch.LaunchedJob;
import io.roam.agent.launch.ProcessJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for CRIU in protocol tests: "dump" stops the real tree and writes a token image;
 * "restore" starts a real stand-in process, stopped. Failures can be injected at either step.
 */
final class FakeCheckpointPort implements CheckpointPort {
  final AtomicReference<String> failDump = new AtomicReference<>();
  final AtomicReference<String> failRestore = new AtomicReference<>();
  final AtomicReference<Long> restoredPid = new AtomicReference<>();
  final int imageBytes;

  /**
   * When set, "dump" writes {@code pages-1.img} as CRIU does, growing a piece at a time (512 KiB
   * every 20 ms, {@link #growingBytes} in all), then waits (up to 5 s) for this to hold before it
   * ends, and records whether it did in {@link #heldBeforeDumpEnded}.
   */
  final AtomicReference<java.util.function.BooleanSupplier> beforeDumpEnds =
      new AtomicReference<>();

  final java.util.concurrent.atomic.AtomicBoolean heldBeforeDumpEnded =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** With {@link #beforeDumpEnds}: fails the dump after the pages were written. */
  final AtomicReference<String> failDumpAtTheEnd = new AtomicReference<>();

  static final int growingBytes = 3 << 20;

  FakeCheckpointPort(int imageBytes) {
    this.imageBytes = imageBytes;
  }

  @Override
  public Dump dump(long rootPid, Path imagesDir) throws CheckpointFailure {
    if (failDump.get() != null) {
      throw new CheckpointFailure(failDump.get());
    }
    Signals.stop(rootPid);
    try {
      Files.createDirectories(imagesDir);
      Files.write(imagesDir.resolve("pages.img"), new byte[imageBytes]);
      java.util.function.BooleanSupplier condition = beforeDumpEnds.get();
      if (condition != null) {
        growPages(imagesDir.resolve("pages-1.img"));
        heldBeforeDumpEnded.set(awaitCondition(condition));
        if (failDumpAtTheEnd.get() != null) {
          Signals.resume(rootPid); // CRIU resumes the tree when its dump fails
          throw new CheckpointFailure(failDumpAtTheEnd.get());
        }
      }
    } catch (IOException e) {
      throw new CheckpointFailure("cannot write images: " + e);
    }
    return new Dump(System.nanoTime(), imageBytes);
  }

  /** Byte i of the grown image is (byte) (i * 31 + i / 4096). */
  static byte pageByte(long i) {
    return (byte) (i * 31 + i / 4096);
  }

  private static void growPages(Path file) throws IOException {
    int piece = 512 << 10;
    try (var out =
        Files.newOutputStream(
            file,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND)) {
      for (long at = 0; at < growingBytes; at += piece) {
        byte[] bytes = new byte[piece];
        for (int i = 0; i < piece; i++) {
          bytes[i] = pageByte(at + i);
        }
        out.write(bytes);
        out.flush();
        sleep(20);
      }
    }
  }

  private static void awaitStopped(long pid) throws CheckpointFailure {
    Path stat = Path.of("/proc/" + pid + "/stat");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        String text = Files.readString(stat);
        if (text.charAt(text.lastIndexOf(')') + 2) == 'T') {
          return;
        }
      } catch (IOException e) {
        throw new CheckpointFailure("the restored stand-in ended: " + e);
      }
      sleep(2);
    }
    throw new CheckpointFailure("the restored stand-in did not stop");
  }

  private static boolean awaitCondition(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      sleep(10);
    }
    return false;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Run as restore begins (the archive has arrived). */
  final AtomicReference<Runnable> duringRestore = new AtomicReference<>();

  /** What restore found of the grown image: its bytes, or null. */
  final AtomicReference<byte[]> restoredPages = new AtomicReference<>();

  @Override
  public LaunchedJob restore(Path imagesDir, Path jobDir) throws CheckpointFailure {
    Runnable hook = duringRestore.get();
    if (hook != null) {
      hook.run();
    }
    if (failRestore.get() != null) {
      throw new CheckpointFailure(failRestore.get());
    }
    if (!Files.isRegularFile(imagesDir.resolve("pages.img"))) {
      throw new CheckpointFailure("no image in " + imagesDir);
    }
    if (Files.isRegularFile(imagesDir.resolve("pages-1.img"))) {
      try {
        restoredPages.set(Files.readAllBytes(imagesDir.resolve("pages-1.img")));
      } catch (IOException e) {
        throw new CheckpointFailure("cannot read " + imagesDir + ": " + e);
      }
    }
    try {
      Process p =
          new ProcessBuilder("setsid", "sh", "-c", "kill -STOP $$; exec sleep 1000")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      // Returns once it is stopped, as criu restore --leave-stopped does: a SIGCONT sent before
      // the stand-in stopped itself would be lost.
      awaitStopped(p.pid());
      restoredPid.set(p.pid());
      return new ProcessJob(p, false);
    } catch (IOException e) {
      throw new CheckpointFailure("cannot start: " + e);
    }
  }
}
