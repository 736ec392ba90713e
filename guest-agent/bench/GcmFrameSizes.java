import java.nio.ByteBuffer;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * How long a fresh JVM seals and opens AES-256-GCM frames of one size before the JIT makes it fast
 * (the migration transfer's cipher; SealedChannel.FRAME is the size it uses). Run with the agents'
 * JVM settings, one size per JVM:
 *
 * <pre>java -Xmx192m -XX:+UseSerialGC guest-agent/bench/GcmFrameSizes.java 8192 256</pre>
 *
 * Prints after how many frames (and MiB, and ms) sealing and opening 4 MiB first took under 8 ms,
 * and the last 4 MiB's time.
 */
public class GcmFrameSizes {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: java GcmFrameSizes.java FRAME_BYTES TOTAL_MIB");
      System.exit(2);
    }
    int size = Integer.parseInt(args[0]);
    long totalMiB = Long.parseLong(args[1]);
    byte[] key = new byte[32];
    byte[] plain = new byte[size];
    byte[] sealed = new byte[size + 16];
    byte[] opened = new byte[size + 16];
    Cipher seal = Cipher.getInstance("AES/GCM/NoPadding");
    Cipher open = Cipher.getInstance("AES/GCM/NoPadding");
    int perRound = (int) Math.max(1, (4L << 20) / size);
    long rounds = Math.max(1, totalMiB / 4);
    long frames = 0;
    long start = System.nanoTime();
    boolean fast = false;
    double last = 0;
    for (long round = 0; round < rounds; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < perRound; i++) {
        byte[] nonce = ByteBuffer.allocate(12).putLong(4, frames++).array();
        seal.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        int n = seal.doFinal(plain, 0, size, sealed, 0);
        open.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        open.doFinal(sealed, 0, n, opened, 0);
      }
      last = (System.nanoTime() - t0) / 1e6;
      if (!fast && last < 8) {
        fast = true;
        System.out.printf(
            "frames of %d B: fast (%.1f ms per 4 MiB sealed and opened) after %d frames, %d MiB, %.0f ms%n",
            size, last, frames, frames * size >> 20, (System.nanoTime() - start) / 1e6);
      }
    }
    if (!fast) {
      System.out.printf(
          "frames of %d B: not fast within %d MiB (%.0f ms)%n",
          size, totalMiB, (System.nanoTime() - start) / 1e6);
    }
    System.out.printf("frames of %d B: last 4 MiB sealed and opened in %.1f ms%n", size, last);
  }
}
