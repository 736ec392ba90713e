package io.roam.agent.launch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Small state files that a restarted agent finds whole or not at all: written to a temporary file
 * and renamed over the old one.
 *
 * <p>They are not synced to disk. They describe processes of this machine (the migration intents,
 * where a node's jobs run), which outlive their agent but not the machine, and so does the page
 * cache these files are in; after a crash of the machine its jobs are recorded as restarting or
 * lost ({@code JobSupervisor.forgetVanished}) whatever these files say. Syncing a file and its
 * directory cost 3 to 80 ms on a shared 2-core machine, several times on each migration's critical
 * path.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve("." + file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        ch.write(bytes);
      }
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Removes a file; false if there was none. */
  public static boolean delete(Path file) throws IOException {
    return Files.deleteIfExists(file);
  }
}
