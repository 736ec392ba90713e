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
    } catch (IOException e) {
      throw new CheckpointFailure("cannot write images: " + e);
    }
    return new Dump(System.nanoTime(), imageBytes);
  }

  @Override
  public LaunchedJob restore(Path imagesDir, Path jobDir) throws CheckpointFailure {
    if (failRestore.get() != null) {
      throw new CheckpointFailure(failRestore.get());
    }
    if (!Files.isRegularFile(imagesDir.resolve("pages.img"))) {
      throw new CheckpointFailure("no image in " + imagesDir);
    }
    try {
      Process p =
          new ProcessBuilder("setsid", "sh", "-c", "kill -STOP $$; exec sleep 1000")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      restoredPid.set(p.pid());
      return new ProcessJob(p, false);
    } catch (IOException e) {
      throw new CheckpointFailure("cannot start: " + e);
    }
  }
}
