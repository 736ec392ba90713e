package io.roam.agent.transfer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticated encryption of one direction of a migration connection. Process images hold a
 * program's memory, so they never cross the wire in the clear, and only agents that hold the grid's
 * agent secret can produce a stream another agent accepts.
 *
 * <p>The key is derived (HKDF-SHA256) from the agent secret, a random salt chosen by the sender of
 * the connection, the direction, and the context (job, source node, target node), so a recorded
 * stream cannot be replayed for another job, node pair or direction. Each frame is sealed with
 * AES-256-GCM under a counter nonce; the frame counter and an end mark are authenticated, so frames
 * cannot be dropped, reordered, or the stream cut short without the reader noticing. AES-GCM rather
 * than ChaCha20-Poly1305: the JDK 17 runs AES-GCM on the CPU's AES and carry-less multiply
 * instructions (about 5 GB/s a core here, sealing and opening together, against 0.1 to 0.3 GB/s for
 * its ChaCha20, which has no such intrinsic before JDK 20), and the transfer sits inside the job's
 * frozen time.
 *
 * <p>The intrinsic only runs once the JIT compiled the cipher's code for frames of the size it is
 * given, hence {@link #FRAME} and {@link #warmUp}: with 1 MiB frames a fresh JVM sealed and opened
 * at about 60 MB/s for its first 256 MiB and more (4 KiB frames given before did not help); with 8
 * KiB frames it is fast after about 20 MiB (2,500 frames, 0.26 s of one core), and as fast as with
 * larger frames from then on (seal and open, 1.6 ms per 4 MiB either way).
 */
public final class SealedChannel {
  /** Largest plaintext of one frame this side accepts (earlier writers sealed 1 MiB frames). */
  public static final int MAX_FRAME = 1 << 20;

  /** Plaintext of one full frame as written: the size {@link #warmUp} compiles the cipher for. */
  public static final int FRAME = 8 << 10;

  private static final int TAG_BYTES = 16;
  private static final int SOCKET_BUFFER = 1 << 16;
  private static final String CIPHER = "AES/GCM/NoPadding";
  private static final int END = 0x8000_0000;
  // No pending header: a header is a length of at most MAX_FRAME, with or without END.
  private static final int NONE = -1;
  // warmUp: at least 3,200 full frames (25 MiB), past the 2,500 a lone JVM needed here; then on
  // until they are fast: in agents starting together the JIT's thresholds rise with its queue, and
  // after a fixed 3,200 the sealing code was still in the profiling tier a minute later.
  private static final int WARM_UP_FRAMES = 100;
  private static final int WARM_UP_MIN_ROUNDS = 32;
  private static final long WARM_UP_FAST_ROUND_NANOS = 3_000_000;
  private static final long WARM_UP_MAX_NANOS = 4_000_000_000L;
  // Every connection has its own key, so AES's key schedule (the JDK's AESCrypt.makeSessionKey)
  // runs a few times per migration: too seldom for the JIT to compile it whole, often enough that
  // its loops got compiled on stack one at a time, 25 to 100 ms of C2 each, four or five per agent
  // during its first detach. A lone JVM compiled it whole after about 1,300 new keys.
  private static final int WARM_UP_KEYS = 2_500;
  // Whether the warm-up ended fast; null until it ran. Guarded by the class: a second caller waits
  // for the first one's warm-up instead of racing it.
  private static Boolean warmedFast;

  private SealedChannel() {}

  /** Key material for one direction. */
  public record Keys(byte[] key, byte[] noncePrefix) {}

  public static Keys derive(byte[] secret, byte[] salt, String direction, String context) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(secret);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      mac.update(
          ("roam-transfer-v2|" + direction + "|" + context).getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 1);
      byte[] okm1 = mac.doFinal();
      return new Keys(okm1, Arrays.copyOf(sha(prk, okm1), 4));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  private static byte[] sha(byte[] prk, byte[] previous) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update(previous);
    mac.update((byte) 2);
    return mac.doFinal();
  }

  /**
   * A connection's outgoing side as every sealed stream here is built on: buffered, each write
   * bounded by {@code timeout} of no progress ({@link NoProgressTimeout}). With {@link
   * #socketInput}, one shape for every caller (migrations both ways, checkpoints sent home,
   * workspaces, the warm-up): the JIT compiles the sealing and opening code for the stream types it
   * will meet, where a warm-up built otherwise had its compiled {@code seal} thrown away at an
   * agent's first real send, and the target's reading code at its first receive.
   */
  public static DataOutputStream socketOutput(Socket socket, Duration timeout) throws IOException {
    return new DataOutputStream(
        new BufferedOutputStream(NoProgressTimeout.output(socket, timeout), SOCKET_BUFFER));
  }

  /** A connection's incoming side, buffered: see {@link #socketOutput}. */
  public static DataInputStream socketInput(Socket socket) throws IOException {
    return new DataInputStream(new BufferedInputStream(socket.getInputStream(), SOCKET_BUFFER));
  }

  private static byte[] nonce(Keys keys, long counter) {
    return ByteBuffer.allocate(12).put(keys.noncePrefix()).putLong(counter).array();
  }

  private static void init(Cipher cipher, int mode, Keys keys, long counter, int header)
      throws GeneralSecurityException {
    cipher.init(
        mode,
        new SecretKeySpec(keys.key(), "AES"),
        new GCMParameterSpec(TAG_BYTES * 8, nonce(keys, counter)));
    cipher.updateAAD(ByteBuffer.allocate(12).putLong(counter).putInt(header).array());
  }

  /**
   * Seals and opens full frames (and some short ones, as messages flush them) in memory, so that
   * the JIT compiles the JDK's AES-GCM intrinsics for them before a job is frozen: before that the
   * cipher runs at tens of MB/s. Goes on until a round of {@value #WARM_UP_FRAMES} frames takes at
   * most {@link #WARM_UP_FAST_ROUND_NANOS} ns (compiled: about 0.3 ms here; before: 30 ms and
   * more), at least {@value #WARM_UP_MIN_ROUNDS} rounds, at most {@link #WARM_UP_MAX_NANOS} ns in
   * all (a CPU without AES instructions never gets fast). Once per JVM; a call while another runs
   * returns when that one is done.
   *
   * @return whether the last round was fast (the same answer to later calls)
   */
  public static synchronized boolean warmUp() {
    if (warmedFast != null) {
      return warmedFast;
    }
    Keys keys = derive(new byte[32], new byte[32], "warm-up", "warm-up");
    byte[] chunk = new byte[FRAME];
    long start = System.nanoTime();
    boolean fast = false;
    try {
      for (int round = 0; !fast || round < WARM_UP_MIN_ROUNDS; round++) {
        if (System.nanoTime() - start > WARM_UP_MAX_NANOS) {
          break;
        }
        long began = System.nanoTime();
        java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream(1 << 20);
        Writer w = new Writer(wire, keys);
        for (int i = 0; i < WARM_UP_FRAMES; i++) {
          w.write(chunk);
          if (i % 25 == 0) {
            w.write(chunk, 0, 64);
            w.flush();
          }
        }
        w.close();
        Reader r = new Reader(new java.io.ByteArrayInputStream(wire.toByteArray()), keys);
        while (r.read(chunk, 0, chunk.length) >= 0) {
          // opening is what warms the decrypting side
        }
        fast = System.nanoTime() - began <= WARM_UP_FAST_ROUND_NANOS;
      }
      scheduleKeys();
    } catch (IOException e) {
      throw new IllegalStateException("sealing in memory failed", e);
    }
    warmedFast = fast;
    return fast;
  }

  /** Expands {@link #WARM_UP_KEYS} different keys, so that the JIT compiles the key schedule. */
  private static void scheduleKeys() {
    try {
      Cipher cipher = Cipher.getInstance(CIPHER);
      byte[] key = new byte[32];
      GCMParameterSpec nonce = new GCMParameterSpec(TAG_BYTES * 8, new byte[12]);
      for (int i = 0; i < WARM_UP_KEYS; i++) {
        ByteBuffer.wrap(key).putInt(i);
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), nonce);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(CIPHER + " unavailable", e);
    }
  }

  /** Writes sealed frames; {@link #close()} writes the authenticated end mark. */
  public static final class Writer extends OutputStream {
    private final DataOutputStream out;
    private final Keys keys;
    private final Cipher cipher;
    private final byte[] buffer;
    private final byte[] sealed;
    private int filled;
    private long counter;
    private boolean closed;
    private long plainBytes;

    public Writer(OutputStream out, Keys keys) {
      this(out, keys, FRAME);
    }

    /** Tests only: frames of another size (earlier writers sealed {@link #MAX_FRAME}). */
    Writer(OutputStream out, Keys keys, int frame) {
      if (frame < 1 || frame > MAX_FRAME) {
        throw new IllegalArgumentException("frames of 1 to " + MAX_FRAME + " bytes, not " + frame);
      }
      this.out = new DataOutputStream(out);
      this.keys = keys;
      this.buffer = new byte[frame];
      this.sealed = new byte[frame + TAG_BYTES];
      try {
        this.cipher = Cipher.getInstance(CIPHER);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(CIPHER + " unavailable", e);
      }
    }

    @Override
    public void write(int b) throws IOException {
      if (filled == buffer.length) {
        frame(false);
      }
      buffer[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (filled == buffer.length) {
          frame(false);
        }
        if (filled == 0 && len >= buffer.length) {
          // A whole frame sealed from the caller's bytes: one copy of a migration's pages less.
          seal(b, off, buffer.length, false);
          off += buffer.length;
          len -= buffer.length;
          continue;
        }
        int n = Math.min(len, buffer.length - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    /** Seals what is buffered as one frame and sends it (a message boundary). */
    @Override
    public void flush() throws IOException {
      if (filled > 0) {
        frame(false);
      }
      out.flush();
    }

    public long plainBytes() {
      return plainBytes;
    }

    private void frame(boolean end) throws IOException {
      seal(buffer, 0, filled, end);
      filled = 0;
    }

    private void seal(byte[] plain, int off, int len, boolean end) throws IOException {
      try {
        int header = len | (end ? END : 0);
        init(cipher, Cipher.ENCRYPT_MODE, keys, counter, header);
        int n = cipher.doFinal(plain, off, len, sealed, 0);
        out.writeInt(header);
        out.write(sealed, 0, n);
        plainBytes += len;
        counter++;
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot seal a frame: " + e, e);
      }
    }

    /** Ends this direction: what follows cannot be appended by anyone. */
    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        frame(true);
        out.flush();
      }
    }
  }

  /** Reads sealed frames; refuses anything tampered with, out of order or cut short. */
  public static final class Reader extends InputStream {
    private final DataInputStream in;
    private final Keys keys;
    private final Cipher cipher;
    private byte[] plain = new byte[0];
    private int position;
    private int limit;
    private byte[] sealed = new byte[0];
    private long counter;
    private boolean ended;
    // A header read for a frame that did not fit the caller's buffer, or NONE.
    private int pending = NONE;

    public Reader(InputStream in, Keys keys) {
      this.in = new DataInputStream(in);
      this.keys = keys;
      try {
        this.cipher = Cipher.getInstance(CIPHER);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(CIPHER + " unavailable", e);
      }
    }

    @Override
    public int read() throws IOException {
      if (!fill()) {
        return -1;
      }
      return plain[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      // Opened straight into the caller's bytes when the next frame fits: one copy less.
      while (position == limit && pending == NONE && len >= FRAME && !ended) {
        int header = header();
        int length = header & ~END;
        if (length > len) {
          pending = header;
          break;
        }
        readSealed(length);
        int n = open(header, length, b, off);
        if (n > 0) {
          return n;
        }
        // An empty frame: the end, or a flush of nothing.
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, limit - position);
      System.arraycopy(plain, position, b, off, n);
      position += n;
      return n;
    }

    /** True once the sender's authenticated end mark was read. */
    public boolean ended() {
      return ended;
    }

    private boolean fill() throws IOException {
      while (position == limit) {
        if (ended) {
          return false;
        }
        int header = pending != NONE ? pending : header();
        pending = NONE;
        int length = header & ~END;
        readSealed(length);
        if (plain.length < length + TAG_BYTES) {
          plain = new byte[length + TAG_BYTES];
        }
        limit = open(header, length, plain, 0);
        position = 0;
      }
      return true;
    }

    /** The next frame's header: its length, and whether it is the last. */
    private int header() throws IOException {
      int header;
      try {
        header = in.readInt();
      } catch (EOFException e) {
        throw new IOException("the stream was cut short (no end mark)");
      }
      if ((header & ~END) > MAX_FRAME) {
        throw new IOException("frame of " + (header & ~END) + " bytes is larger than allowed");
      }
      return header;
    }

    private void readSealed(int length) throws IOException {
      if (sealed.length < length + TAG_BYTES) {
        // Buffers grow to the largest frame seen and are reused: no garbage per frame.
        sealed = new byte[length + TAG_BYTES];
      }
      in.readFully(sealed, 0, length + TAG_BYTES);
    }

    /** Opens the frame read into {@code sealed} into {@code to}; returns its length. */
    private int open(int header, int length, byte[] to, int at) throws IOException {
      int n;
      try {
        init(cipher, Cipher.DECRYPT_MODE, keys, counter, header);
        n = cipher.doFinal(sealed, 0, length + TAG_BYTES, to, at);
      } catch (GeneralSecurityException e) {
        throw new IOException(
            "frame " + counter + " failed authentication: wrong secret, or tampered with");
      }
      counter++;
      ended = (header & END) != 0;
      return n;
    }
  }
}
