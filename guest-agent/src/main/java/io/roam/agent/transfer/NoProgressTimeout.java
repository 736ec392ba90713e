package io.roam.agent.transfer;

import io.roam.common.lifecycle.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bounds every blocking step of a transfer by a time without progress: connecting, each read and
 * each write. Not the whole transfer, which may take long for a big job, as long as it moves.
 *
 * <p>Reads are bounded by the socket's SO_TIMEOUT. A blocking write ignores SO_TIMEOUT, so a peer
 * that stops reading would hold the writer for ever: the stream from {@link #output} is watched
 * instead, and when one of its writes has not moved for the timeout the socket is closed, which
 * fails the write with a {@link SocketTimeoutException} that says so.
 */
public final class NoProgressTimeout {
  // Writes go out in pieces this large, each one progress: a peer reading slowly is not stalled.
  private static final int PIECE = 1 << 16;

  /**
   * The longest wait for a connection: a reachable peer answers within a round trip, and a source
   * may wait with its job frozen (the dump runs meanwhile).
   */
  public static final Duration CONNECT = Duration.ofSeconds(10);

  private static final ScheduledExecutorService WATCHDOG = watchdog();

  private NoProgressTimeout() {}

  private static ScheduledExecutorService watchdog() {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.named("transfer-watchdog"));
    pool.setRemoveOnCancelPolicy(true);
    return Executors.unconfigurableScheduledExecutorService(pool);
  }

  /**
   * Connects {@code socket} within {@code timeout} (at most {@link #CONNECT}), and bounds each of
   * its reads by {@code timeout}.
   */
  public static void connect(Socket socket, InetSocketAddress to, Duration timeout)
      throws IOException {
    socket.connect(to, millis(timeout.compareTo(CONNECT) < 0 ? timeout : CONNECT));
    socket.setSoTimeout(millis(timeout));
  }

  /**
   * {@code socket}'s output stream, each of whose writes fails once it has made no progress for
   * {@code timeout}; the socket is closed then.
   */
  public static OutputStream output(Socket socket, Duration timeout) throws IOException {
    return new Watched(socket, socket.getOutputStream(), timeout.toNanos());
  }

  private static int millis(Duration timeout) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  private static final class Watched extends OutputStream {
    private final Socket socket;
    private final OutputStream out;
    private final long timeoutNanos;
    // When the write in progress began (its last piece); 0 while not writing.
    private volatile long writingSince;
    private volatile boolean stalled;
    private final AtomicReference<ScheduledFuture<?>> check = new AtomicReference<>();

    Watched(Socket socket, OutputStream out, long timeoutNanos) {
      this.socket = socket;
      this.out = out;
      this.timeoutNanos = timeoutNanos;
      long period = Math.min(Math.max(timeoutNanos / 4, 10_000_000L), 1_000_000_000L);
      check.set(WATCHDOG.scheduleAtFixedRate(this::check, period, period, TimeUnit.NANOSECONDS));
    }

    private void check() {
      if (socket.isClosed()) {
        stopWatching();
        return;
      }
      long since = writingSince;
      if (since != 0 && System.nanoTime() - since >= timeoutNanos) {
        stalled = true;
        stopWatching();
        try {
          socket.close(); // fails the blocked write
        } catch (IOException e) {
          // closed either way
        }
      }
    }

    private void stopWatching() {
      ScheduledFuture<?> f = check.getAndSet(null);
      if (f != null) {
        f.cancel(false);
      }
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, PIECE);
        writingSince = Math.max(1, System.nanoTime());
        try {
          out.write(b, off, n);
        } catch (IOException e) {
          throw stalled ? stalled(e) : e;
        } finally {
          writingSince = 0;
        }
        off += n;
        len -= n;
      }
    }

    private SocketTimeoutException stalled(IOException cause) {
      SocketTimeoutException e =
          new SocketTimeoutException(
              "no progress sending to "
                  + socket.getRemoteSocketAddress()
                  + " for "
                  + Duration.ofNanos(timeoutNanos).toMillis()
                  + " ms: it stopped reading");
      e.initCause(cause);
      return e;
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        throw stalled ? stalled(e) : e;
      }
    }

    @Override
    public void close() throws IOException {
      stopWatching();
      out.close();
    }
  }
}
