package io.roam.agent.transfer;

import io.roam.common.lifecycle.DaemonThreads;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
import java.util.function.Consumer;

/**
 * Sends made-up migrations through the whole transfer path, over loopback, so that the JIT has
 * compiled it before a real job is frozen: following a growing page file, packing, sealing, the
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
   * How the warm-up went.
   *
   * @param rounds transfers made
   * @param lastRoundNanos how long the last one took
   * @param fast whether the last one took no longer than asked: the path is compiled
   * @param cipherFast whether the cipher's own warm-up ended fast ({@link SealedChannel#warmUp})
   */
  public record Outcome(int rounds, long lastRoundNanos, boolean fast, boolean cipherFast) {}

  /**
   * How much to send.
   *
   * @param bytes made-up page images per round
   * @param min rounds at least
   * @param max rounds at most
   * @param fast a round that takes no longer ends the warm-up (once {@code min} ran)
   */
  public record Plan(long bytes, int min, int max, Duration fast) {
    public Plan {
      if (bytes <= 0 || min < 1 || max < min || fast.isNegative()) {
        throw new IllegalArgumentException(
            "a warm-up plan needs bytes > 0, 1 <= min <= max and a fast time >= 0, not " + this);
      }
    }
  }

  /**
   * Runs made-up transfers of {@code plan.bytes()} each until one takes no longer than {@code
   * plan.fast()} (at least {@code plan.min()}, at most {@code plan.max()}); once per JVM (later
   * calls return at once, with no rounds). Each round goes through {@code scratch/round-N} ({@code
   * source} sent, {@code target} received), handed to {@code done} once it arrived (which deletes
   * it). Waits for the cipher's own warm-up first, so that this one compiles the rest of the path
   * with the cipher fast.
   *
   * <p>In agents starting beside each other the JIT's queue is long and its thresholds rise with
   * it: after a fixed two rounds, the sealing code was still in the profiling tier a minute later
   * and compiled by C2 only during the agent's first real migrations as a source.
   */
  public static Outcome run(Path scratch, Plan plan, Consumer<Path> done) throws IOException {
    if (!DONE.compareAndSet(false, true)) {
      return new Outcome(0, 0, false, false);
    }
    return rounds(scratch, plan, done);
  }

  /** {@link #run} without its once-per-JVM guard. */
  static Outcome rounds(Path scratch, Plan plan, Consumer<Path> done) throws IOException {
    boolean cipherFast = SealedChannel.warmUp();
    ExecutorService receiver =
        Executors.newSingleThreadExecutor(DaemonThreads.named("transfer-warm-up-receiver"));
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      long took = 0;
      int round = 0;
      while (round < plan.max()) {
        Path dir = scratch.resolve("round-" + round);
        Path target = dir.resolve("target");
        SealedChannel.Keys keys =
            SealedChannel.derive(new byte[32], new byte[32], "warm-up", "round " + round);
        long start = System.nanoTime();
        Future<Long> received = receiver.submit(() -> receive(server, target, keys));
        send(server.getLocalPort(), dir.resolve("source"), plan.bytes(), keys);
        await(received);
        took = System.nanoTime() - start;
        done.accept(dir);
        round++;
        if (round >= plan.min() && took <= plan.fast().toNanos()) {
          return new Outcome(round, took, true, cipherFast);
        }
      }
      return new Outcome(round, took, false, cipherFast);
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
      SealedChannel.Writer sealed =
          new SealedChannel.Writer(SealedChannel.socketOutput(socket, TIMEOUT), keys);
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
      SealedChannel.Reader in = new SealedChannel.Reader(SealedChannel.socketInput(socket), keys);
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
