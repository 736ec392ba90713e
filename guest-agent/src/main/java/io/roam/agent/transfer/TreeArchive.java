package io.roam.agent.transfer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Packs a directory tree (regular files, directories, symbolic links, with their permissions and
 * modification times) into a stream, and unpacks it under another root. Unpacking refuses paths
 * that would leave the root, and stops at a size limit, so a bad stream cannot write elsewhere or
 * fill the disk. It never follows a symbolic link: links arrive as links (a job may have made them,
 * pointing anywhere), and an entry whose path goes through one, or that would write through one, is
 * refused, since the link may lead out of the root.
 *
 * <p>Files that another process is still appending to (CRIU's page images during a dump) can be
 * sent as they grow, a piece at a time ({@link Follower}); the tree sent once they are complete
 * then carries only what was not sent yet.
 */
public final class TreeArchive {
  private static final byte FILE = 'f';
  private static final byte DIR = 'd';
  private static final byte LINK = 'l';
  private static final byte END = 'e';

  /** A piece of a file: offset and length, then the bytes; a file's pieces come in order. */
  private static final byte PIECE = 'a';

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
    return pack(root, as, stream, Map.of());
  }

  /**
   * Like {@link #pack(Path, String, OutputStream)}, for a tree some of whose files were partly sent
   * already by a {@link Follower}: of those, only the rest is written.
   *
   * @param sent bytes sent already, by file
   * @return the number of file bytes written now
   */
  public static long pack(Path root, String as, OutputStream stream, Map<Path, Long> sent)
      throws IOException {
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
            } else if (attrs.isRegularFile() && sent.containsKey(file)) {
              // The rest of a file sent while it grew; a piece even if empty: it sets the mode.
              long from = sent.get(file);
              bytes[0] += piece(out, file, name(file), from, attrs.size() - from, buffer);
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
            header(out, type, name, p);
          }
        });
    out.flush();
    return bytes[0];
  }

  private static void header(DataOutputStream out, byte type, String name, Path p)
      throws IOException {
    out.writeByte(type);
    out.writeUTF(name);
    out.writeUTF(
        PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
    out.writeLong(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis());
  }

  /** Writes bytes [from, from + length) of {@code file} as a piece; returns length. */
  private static long piece(
      DataOutputStream out, Path file, String name, long from, long length, byte[] buffer)
      throws IOException {
    header(out, PIECE, name, file);
    out.writeLong(from);
    out.writeLong(length);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer wrap = ByteBuffer.wrap(buffer);
      long position = from;
      long left = length;
      while (left > 0) {
        wrap.clear().limit((int) Math.min(buffer.length, left));
        int n = in.read(wrap, position);
        if (n < 0) {
          throw new IOException(file + " shrank while being sent");
        }
        out.write(buffer, 0, n);
        position += n;
        left -= n;
      }
    }
    return length;
  }

  /**
   * Sends files of one directory while another process still appends to them (never rewrites them):
   * each call to {@link #follow} sends what was appended since the last, in pieces of at least
   * {@code minPiece} bytes. Once the writer is done, {@link #pack(Path, String, OutputStream, Map)}
   * with {@link #sent} sends the rest of the tree.
   */
  public static final class Follower {
    private final Path root;
    private final String as;
    private final DataOutputStream out;
    private final Predicate<Path> which;
    private final long minPiece;
    private final Map<Path, Long> sent = new HashMap<>();
    private final byte[] buffer = new byte[BUFFER];

    /**
     * @param root the directory (its own files only, not its subdirectories)
     * @param as the name it has in the archive, as given to {@link #pack}
     * @param which the files to follow
     */
    public Follower(
        Path root, String as, OutputStream stream, Predicate<Path> which, long minPiece) {
      this.root = root;
      this.as = as;
      this.out = new DataOutputStream(stream);
      this.which = which;
      this.minPiece = minPiece;
    }

    /**
     * Sends what was appended to the followed files since the last call.
     *
     * @return bytes sent (0: nothing new, or less than a piece)
     */
    public long follow() throws IOException {
      if (!Files.isDirectory(root)) {
        return 0;
      }
      List<Path> files;
      try (Stream<Path> listed = Files.list(root)) {
        files = listed.filter(which).sorted().toList();
      }
      long total = 0;
      for (Path file : files) {
        long size;
        try {
          if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          size = Files.size(file);
        } catch (NoSuchFileException e) {
          continue;
        }
        long from = sent.getOrDefault(file, 0L);
        if (size - from >= minPiece) {
          total += piece(out, file, as + "/" + file.getFileName(), from, size - from, buffer);
          sent.put(file, size);
        }
      }
      return total;
    }

    /** Bytes sent so far, by file: for {@link #pack(Path, String, OutputStream, Map)}. */
    public Map<Path, Long> sent() {
      return Map.copyOf(sent);
    }
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
    // Files some of whose pieces arrived, and how long each is now.
    Map<Path, Long> pieces = new HashMap<>();
    try (Spool spool = new Spool()) {
      while (true) {
        byte type = in.readByte();
        if (type == END) {
          spool.drain();
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
          case DIR ->
              spool.submit(
                  () -> {
                    parents(base, target, name);
                    directory(base, target, name);
                    Files.getFileAttributeView(
                            target, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setPermissions(perms);
                  });
          case LINK -> {
            Path to = Path.of(in.readUTF());
            spool.submit(
                () -> {
                  parents(base, target, name);
                  // Removes a link or file of that name, not what a link points to.
                  Files.deleteIfExists(target);
                  Files.createSymbolicLink(target, to);
                });
          }
          case FILE -> {
            long size = in.readLong();
            if (size < 0 || total + size > maxBytes) {
              throw new TooLargeException(
                  "the job's files and image exceed the limit of " + (maxBytes >> 20) + " MiB");
            }
            spool.file(in, base, target, name, size, perms, mtime, false);
            pieces.remove(target);
            total += size;
          }
          case PIECE -> {
            long offset = in.readLong();
            long length = in.readLong();
            if (length < 0 || total + length > maxBytes) {
              throw new TooLargeException(
                  "the job's files and image exceed the limit of " + (maxBytes >> 20) + " MiB");
            }
            long have = pieces.getOrDefault(target, 0L);
            if (offset != have) {
              throw new IOException(
                  "a piece of "
                      + name
                      + " at "
                      + offset
                      + " does not follow its "
                      + have
                      + " bytes");
            }
            spool.file(in, base, target, name, length, perms, mtime, offset > 0);
            pieces.put(target, offset + length);
            total += length;
          }
          default -> throw new IOException("unknown archive entry type " + type);
        }
      }
    }
  }

  /**
   * Makes sure every directory between {@code base} and {@code target} is a real directory,
   * creating those missing: a symbolic link on the way could lead anywhere.
   */
  private static void parents(Path base, Path target, String name) throws IOException {
    Path at = base;
    for (Path part : base.relativize(target.getParent())) {
      if (part.toString().isEmpty()) {
        continue; // target is directly under base
      }
      at = at.resolve(part);
      directory(base, at, name);
    }
  }

  /** Creates {@code dir} if missing; refuses it if it is anything but a real directory. */
  private static void directory(Path base, Path dir, String name) throws IOException {
    BasicFileAttributes attrs = attributes(dir);
    if (attrs == null) {
      try {
        // mkdir does not follow a link in its last component: it fails if anything is there.
        Files.createDirectory(dir);
        return;
      } catch (FileAlreadyExistsException e) {
        attrs = attributes(dir);
      }
    }
    if (attrs == null || !attrs.isDirectory() || attrs.isSymbolicLink()) {
      throw new IOException(
          "refusing to unpack '"
              + name
              + "': "
              + base.relativize(dir)
              + (attrs != null && attrs.isSymbolicLink()
                  ? " is a symbolic link, which is never followed"
                  : " is not a directory"));
    }
  }

  /** Refuses to write {@code file} if it is a symbolic link: the write would go where it points. */
  private static void notALink(Path base, Path file, String name) throws IOException {
    BasicFileAttributes attrs = attributes(file);
    if (attrs != null && attrs.isSymbolicLink()) {
      throw new IOException(
          "refusing to unpack '"
              + name
              + "': "
              + base.relativize(file)
              + " is a symbolic link, which is never written through");
    }
  }

  /** The attributes of {@code p} itself (not of what it links to); null if nothing is there. */
  private static BasicFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * The file system side of an unpack, on a thread of its own, in order: the stream is read (and,
   * in a migration, opened) on the caller's thread while the previous megabytes are written.
   */
  private static final class Spool implements AutoCloseable {
    private static final int BUFFERS = 4;
    private static final int SIZE = 1 << 20;

    /**
     * Largest single write to a file. Linux 6.x backs a large write to a new ext4 file with large
     * page-cache folios, and finding those in a fragmented memory made 1 MiB writes run at 0.1 to
     * 0.5 GB/s here, against 1 to 2.4 GB/s for 64 to 256 KiB writes of the same bytes ({@code dd
     * bs=1M} against {@code bs=128k}); {@code cp} writes 128 KiB at a time.
     */
    private static final int WRITE_SLICE = 128 << 10;

    private interface Task {
      void run() throws IOException;
    }

    private static final Task STOP = () -> {};

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final java.util.concurrent.CountDownLatch stopped =
        new java.util.concurrent.CountDownLatch(1);
    private volatile IOException failure;
    private OutputStream open;

    Spool() {
      for (int i = 0; i < BUFFERS; i++) {
        free.add(new byte[SIZE]);
      }
      thread = new Thread(this::work, "unpack-writer");
      thread.setDaemon(true);
      thread.start();
    }

    private void work() {
      try {
        while (true) {
          Task task = tasks.take();
          if (task == STOP) {
            return;
          }
          if (failure == null) {
            try {
              task.run();
            } catch (IOException | RuntimeException e) {
              failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
          }
        }
      } catch (InterruptedException e) {
        // closing
      } finally {
        closeOpen();
        stopped.countDown();
      }
    }

    private void closeOpen() {
      if (open != null) {
        try {
          open.close();
        } catch (IOException e) {
          // already failing or stopping
        }
        open = null;
      }
    }

    void submit(Task task) throws IOException {
      check();
      tasks.add(task);
    }

    /** Copies {@code size} bytes of {@code in} into {@code target} (after its end if append). */
    void file(
        DataInputStream in,
        Path base,
        Path target,
        String name,
        long size,
        Set<PosixFilePermission> perms,
        FileTime mtime,
        boolean append)
        throws IOException {
      submit(
          () -> {
            parents(base, target, name);
            notALink(base, target, name);
            // NOFOLLOW_LINKS (O_NOFOLLOW) as well, should a link appear after the check.
            open =
                append
                    ? Files.newOutputStream(
                        target,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND,
                        LinkOption.NOFOLLOW_LINKS)
                    : Files.newOutputStream(
                        target,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
          });
      long left = size;
      while (left > 0) {
        byte[] buffer = buffer();
        int filled = 0;
        int want = (int) Math.min(buffer.length, left);
        while (filled < want) {
          int n = in.read(buffer, filled, want - filled);
          if (n < 0) {
            free.add(buffer);
            throw new IOException("the stream ended inside " + name);
          }
          filled += n;
        }
        left -= filled;
        int length = filled;
        submit(
            () -> {
              try {
                // In slices: writes of a megabyte or more into new files run 5 to 10 times slower
                // on the kernels measured (see WRITE_SLICE).
                for (int at = 0; at < length; at += WRITE_SLICE) {
                  open.write(buffer, at, Math.min(WRITE_SLICE, length - at));
                }
              } finally {
                free.add(buffer);
              }
            });
      }
      submit(
          () -> {
            open.close();
            open = null;
            PosixFileAttributeView view =
                Files.getFileAttributeView(
                    target, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setPermissions(perms);
            view.setTimes(mtime, null, null);
          });
    }

    private byte[] buffer() throws IOException {
      try {
        while (true) {
          check();
          byte[] buffer = free.poll(50, TimeUnit.MILLISECONDS);
          if (buffer != null) {
            return buffer;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while unpacking");
      }
    }

    private void check() throws IOException {
      IOException e = failure;
      if (e != null) {
        throw e;
      }
    }

    /** Waits until everything submitted is written; throws what failed. */
    void drain() throws IOException {
      tasks.add(STOP);
      awaitStopped();
      check();
    }

    private void awaitStopped() throws IOException {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        thread.interrupt();
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while unpacking");
      }
    }

    @Override
    public void close() throws IOException {
      if (stopped.getCount() > 0) {
        // Failed half way: what was queued is not wanted any more.
        tasks.clear();
        tasks.add(STOP);
        awaitStopped();
      }
    }
  }
}
