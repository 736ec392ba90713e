package io.roam.agent.transfer;

import io.roam.common.lifecycle.DaemonThreads;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends a made-up migration through the whole transfer path once, over loopback, so that the JIT
 * has compiled it before a real job is frozen: following a growing page file, packing, sealing, the
 * socket, opening and unpacking with its writer thread. Interpreted or half-compiled, an agent's
 * first migrations ran 100 to 200 ms longer than its later ones (64 MiB, a quiet machine), all of
 * it frozen time.
 */
public final class TransferWarmUp {
  private static final AtomicBoolean DONE = new AtomicBoolean();
  private static final int CHUNK = 1 << 20;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private TransferWarmUp() {}

  /**
   * Runs {@code rounds} made-up transfers of {@code bytes} each through files under {@code scratch}
   * ({@code source-N} sent, {@code target-N} received), which the caller deletes; once per JVM
   * (later calls return at once). Waits for the cipher's own warm-up first, so that this one
   * compiles the rest of the path with the cipher fast.
   */
  public static void run(Path scratch, long bytes, int rounds) throws IOException {
    if (!DONE.compareAndSet(false, true)) {
      return;
    }
    SealedChannel.warmUp();
    ExecutorService receiver =
        Executors.newSingleThreadExecutor(DaemonThreads.named("transfer-warm-up-receiver"));
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      for (int round = 0; round < rounds; round++) {
        Path source = scratch.resolve("source-" + round);
        Path target = scratch.resolve("target-" + round);
        SealedChannel.Keys keys =
            SealedChannel.derive(new byte[32], new byte[32], "warm-up", "round " + round);
        Future<Long> received = receiver.submit(() -> receive(server, target, keys));
        send(server.getLocalPort(), source, bytes, keys);
        await(received);
      }
    } finally {
      receiver.shutdownNow();
    }
  }

  /** As a migration's source: follows a page file as it grows, then packs the rest. */
  private static void send(int port, Path source, long bytes, SealedChannel.Keys keys)
      throws IOException {
    Path images = Files.createDirectories(source.resolve("images"));
    Path job = Files.createDirectories(source.resolve("job").resolve("work"));
    Files.writeString(job.resolve("stdout"), "0\n1\n2\n");
    Files.write(images.resolve("core-1.img"), new byte[4096]);
    try (Socket socket = new Socket()) {
      NoProgressTimeout.connect(
          socket, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT);
      socket.setTcpNoDelay(true);
      OutputStream raw =
          new BufferedOutputStream(NoProgressTimeout.output(socket, TIMEOUT), 1 << 16);
      SealedChannel.Writer sealed = new SealedChannel.Writer(raw, keys);
      DataOutputStream out = new DataOutputStream(sealed);
      TreeArchive.Follower follower =
          new TreeArchive.Follower(
              images, "images", out, p -> p.getFileName().toString().startsWith("pages-"), CHUNK);
      ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
      try (FileChannel pages =
          FileChannel.open(
              images.resolve("pages-1.img"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        for (long written = 0; written < bytes; written += CHUNK) {
          chunk.clear();
          chunk.putLong(0, written); // not all zeros, as memory is not
          while (chunk.hasRemaining()) {
            pages.write(chunk);
          }
          follower.follow();
        }
      }
      TreeArchive.pack(source.resolve("job"), "job", out);
      TreeArchive.pack(images, "images", out, follower.sent());
      TreeArchive.finish(out);
      sealed.close();
      new DataInputStream(socket.getInputStream()).read(); // the receiver's end
    }
  }

  /** As a migration's target: opens and unpacks the stream. */
  private static long receive(ServerSocket server, Path target, SealedChannel.Keys keys)
      throws IOException {
    try (Socket socket = server.accept()) {
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      SealedChannel.Reader in =
          new SealedChannel.Reader(new BufferedInputStream(socket.getInputStream(), 1 << 16), keys);
      long n = TreeArchive.unpack(in, target, Long.MAX_VALUE);
      socket.getOutputStream().write(1);
      return n;
    }
  }

  private static void await(Future<Long> received) throws IOException {
    try {
      received.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException("the warm-up's receiving side failed: " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new IOException("the warm-up's receiving side did not finish within " + TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
