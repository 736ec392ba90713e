package io.roam.agent.transfer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Packs a directory tree (regular files, directories, symbolic links, with their permissions and
 * modification times) into a stream, and unpacks it under another root. Unpacking refuses paths
 * that would leave the root, and stops at a size limit, so a bad stream cannot write elsewhere or
 * fill the disk.
 */
public final class TreeArchive {
  private static final byte FILE = 'f';
  private static final byte DIR = 'd';
  private static final byte LINK = 'l';
  private static final byte END = 'e';
  private static final int BUFFER = 1 << 16;

  private TreeArchive() {}

  /** The tree is larger than the receiver accepts. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  /**
   * Writes {@code root}'s tree under the name {@code as}; several trees may follow each other, then
   * {@link #finish}.
   *
   * @return the number of file bytes written
   */
  public static long pack(Path root, String as, OutputStream stream) throws IOException {
    DataOutputStream out = new DataOutputStream(stream);
    long[] bytes = new long[1];
    byte[] buffer = new byte[BUFFER];
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            entry(DIR, name(dir), dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isSymbolicLink()) {
              entry(LINK, name(file), file);
              out.writeUTF(Files.readSymbolicLink(file).toString());
            } else if (attrs.isRegularFile()) {
              entry(FILE, name(file), file);
              long size = attrs.size();
              out.writeLong(size);
              try (InputStream in = Files.newInputStream(file)) {
                long left = size;
                while (left > 0) {
                  int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                  if (n < 0) {
                    throw new IOException(file + " shrank while being sent");
                  }
                  out.write(buffer, 0, n);
                  left -= n;
                }
              }
              bytes[0] += size;
            } else {
              throw new IOException(
                  file + " is neither a file, a directory nor a link: it cannot be moved");
            }
            return FileVisitResult.CONTINUE;
          }

          private String name(Path p) {
            Path rel = root.relativize(p);
            return rel.toString().isEmpty() ? as : as + "/" + rel;
          }

          private void entry(byte type, String name, Path p) throws IOException {
            out.writeByte(type);
            out.writeUTF(name);
            out.writeUTF(
                PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
            out.writeLong(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis());
          }
        });
    out.flush();
    return bytes[0];
  }

  /** Ends a stream that holds several trees. */
  public static void finish(OutputStream stream) throws IOException {
    stream.write(END);
    stream.flush();
  }

  /**
   * Unpacks trees from {@code stream} under {@code root} until the end mark.
   *
   * @return the number of file bytes written
   * @throws TooLargeException past {@code maxBytes} of file content
   */
  public static long unpack(InputStream stream, Path root, long maxBytes) throws IOException {
    DataInputStream in = new DataInputStream(stream);
    Path base = root.toAbsolutePath().normalize();
    Files.createDirectories(base);
    long total = 0;
    byte[] buffer = new byte[BUFFER];
    while (true) {
      byte type = in.readByte();
      if (type == END) {
        return total;
      }
      String name = in.readUTF();
      Set<PosixFilePermission> perms = PosixFilePermissions.fromString(in.readUTF());
      FileTime mtime = FileTime.fromMillis(in.readLong());
      Path target = base.resolve(name).normalize();
      if (name.startsWith("/") || !target.startsWith(base) || target.equals(base)) {
        throw new IOException("refusing to unpack '" + name + "' outside " + base);
      }
      switch (type) {
        case DIR -> {
          Files.createDirectories(target);
          Files.setPosixFilePermissions(target, perms);
        }
        case LINK -> {
          Files.createDirectories(target.getParent());
          Files.deleteIfExists(target);
          Files.createSymbolicLink(target, Path.of(in.readUTF()));
        }
        case FILE -> {
          long size = in.readLong();
          if (size < 0 || total + size > maxBytes) {
            throw new TooLargeException(
                "the job's files and image exceed the limit of " + (maxBytes >> 20) + " MiB");
          }
          Files.createDirectories(target.getParent());
          try (OutputStream out = Files.newOutputStream(target)) {
            long left = size;
            while (left > 0) {
              int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
              if (n < 0) {
                throw new IOException("the stream ended inside " + name);
              }
              out.write(buffer, 0, n);
              left -= n;
            }
          }
          Files.setPosixFilePermissions(target, perms);
          Files.setLastModifiedTime(target, mtime);
          total += size;
        }
        default -> throw new IOException("unknown archive entry type " + type);
      }
    }
  }
}
