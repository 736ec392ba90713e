package io.roam.vmnode.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks image files (base images, kernels, initrds) against their SHA-256. Hashing a
 * multi-gigabyte image takes seconds, so a result is remembered for as long as the file's size and
 * modification time stay the same.
 */
public final class ImageVerifier {
  private record Stamp(long size, long modifiedNanos, String sha256) {}

  private final Map<Path, Stamp> known = new ConcurrentHashMap<>();

  /**
   * @throws ProvisionException if the file is missing, unreadable or has another checksum
   */
  public void verify(Path image, String expectedSha256) {
    String actual = sha256(image);
    if (!actual.equals(expectedSha256)) {
      throw new ProvisionException(
          image.getFileName()
              + " ("
              + image
              + ") has SHA-256 "
              + actual
              + " but "
              + expectedSha256
              + " is expected: refusing to boot from it (corrupt or a different build)");
    }
  }

  public String sha256(Path image) {
    try {
      BasicFileAttributes a = Files.readAttributes(image, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        throw new ProvisionException(image + " is not a regular file");
      }
      long mtime = a.lastModifiedTime().toInstant().toEpochMilli() * 1_000_000L;
      Stamp s = known.get(image);
      if (s != null && s.size() == a.size() && s.modifiedNanos() == mtime) {
        return s.sha256();
      }
      String sha = hash(image);
      known.put(image, new Stamp(a.size(), mtime, sha));
      return sha;
    } catch (NoSuchFileException e) {
      throw new ProvisionException(image + " does not exist (is it in --images-dir?)");
    } catch (IOException e) {
      throw new ProvisionException("cannot read " + image + ": " + e.getMessage(), e);
    }
  }

  static String hash(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
