package io.roam.agent.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeArchiveTest {
  @TempDir Path temp;

  @Test
  void packsAndUnpacksFilesDirectoriesLinksAndModes() throws IOException {
    Path src = temp.resolve("src");
    Files.createDirectories(src.resolve("work/sub"));
    Files.writeString(src.resolve("stdout"), "hello\n");
    Files.write(src.resolve("work/sub/data.bin"), new byte[100_000]);
    Files.setPosixFilePermissions(
        src.resolve("stdout"), PosixFilePermissions.fromString("rw-r-----"));
    Files.createSymbolicLink(src.resolve("work/link"), Path.of("sub/data.bin"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    long packed = TreeArchive.pack(src, "job", out);
    TreeArchive.finish(out);
    long unpacked =
        TreeArchive.unpack(
            new ByteArrayInputStream(out.toByteArray()), temp.resolve("dst"), 1 << 20);

    Path dst = temp.resolve("dst/job");
    assertThat(packed).isEqualTo(unpacked).isEqualTo(100_006);
    assertThat(dst.resolve("stdout")).hasContent("hello");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dst.resolve("stdout"))))
        .isEqualTo("rw-r-----");
    assertThat(Files.readSymbolicLink(dst.resolve("work/link"))).isEqualTo(Path.of("sub/data.bin"));
    assertThat(Files.size(dst.resolve("work/sub/data.bin"))).isEqualTo(100_000);
    assertThat(Files.getLastModifiedTime(dst.resolve("stdout")).toMillis())
        .isEqualTo(Files.getLastModifiedTime(src.resolve("stdout")).toMillis());
  }

  @Test
  void refusesPathsOutsideItsRoot() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('f');
    out.writeUTF("job/../../escape.txt");
    out.writeUTF("rw-r--r--");
    out.writeLong(0);
    out.writeLong(1);
    out.write('x');
    TreeArchive.finish(out);

    assertThatThrownBy(
            () ->
                TreeArchive.unpack(
                    new ByteArrayInputStream(bytes.toByteArray()), temp.resolve("dst"), 100))
        .hasMessageContaining("outside");
    assertThat(temp.resolve("escape.txt")).doesNotExist();
  }

  @Test
  void stopsAtTheSizeLimit() throws IOException {
    Path src = temp.resolve("big");
    Files.createDirectories(src);
    Files.write(src.resolve("a"), new byte[2000]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeArchive.pack(src, "job", out);
    TreeArchive.finish(out);

    assertThatThrownBy(
            () ->
                TreeArchive.unpack(
                    new ByteArrayInputStream(out.toByteArray()), temp.resolve("dst"), 1000))
        .isInstanceOf(TreeArchive.TooLargeException.class);
  }

  @Test
  void sendsFilesWhileTheyGrowThenOnlyTheirRest() throws IOException {
    Path src = temp.resolve("images");
    Files.createDirectories(src);
    Path pages = src.resolve("pages-1.img");
    byte[] first = new byte[3000];
    java.util.Arrays.fill(first, (byte) 1);
    Files.write(pages, first);
    Files.writeString(src.resolve("core.img"), "core");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeArchive.Follower follower =
        new TreeArchive.Follower(
            src, "images", out, f -> f.getFileName().toString().startsWith("pages-"), 1000);

    assertThat(follower.follow()).isEqualTo(3000);
    assertThat(follower.follow()).as("nothing new").isZero();
    Files.write(pages, new byte[500], java.nio.file.StandardOpenOption.APPEND);
    assertThat(follower.follow()).as("less than a piece").isZero();
    Files.write(pages, new byte[700], java.nio.file.StandardOpenOption.APPEND);
    assertThat(follower.follow()).isEqualTo(1200);
    Files.write(pages, new byte[10], java.nio.file.StandardOpenOption.APPEND);
    Files.setPosixFilePermissions(pages, PosixFilePermissions.fromString("rw-------"));
    long rest = TreeArchive.pack(src, "images", out, follower.sent());
    TreeArchive.finish(out);
    long unpacked =
        TreeArchive.unpack(
            new ByteArrayInputStream(out.toByteArray()), temp.resolve("dst"), 1 << 20);

    assertThat(rest).isEqualTo(10 + 4);
    assertThat(unpacked).isEqualTo(4210 + 4);
    Path dst = temp.resolve("dst/images");
    assertThat(Files.readAllBytes(dst.resolve("pages-1.img"))).isEqualTo(Files.readAllBytes(pages));
    assertThat(dst.resolve("core.img")).hasContent("core");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dst.resolve("pages-1.img"))))
        .isEqualTo("rw-------");
    assertThat(Files.getLastModifiedTime(dst.resolve("pages-1.img")).toMillis())
        .isEqualTo(Files.getLastModifiedTime(pages).toMillis());
  }

  @Test
  void refusesAPieceThatDoesNotFollowTheLast() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('a');
    out.writeUTF("images/pages-1.img");
    out.writeUTF("rw-------");
    out.writeLong(0);
    out.writeLong(5); // offset 5 of a file not started
    out.writeLong(1);
    out.write('x');
    TreeArchive.finish(out);

    assertThatThrownBy(
            () ->
                TreeArchive.unpack(
                    new ByteArrayInputStream(bytes.toByteArray()), temp.resolve("dst"), 100))
        .hasMessageContaining("does not follow");
  }

  @Test
  void countsPiecesAgainstTheSizeLimit() throws IOException {
    Path src = temp.resolve("grow");
    Files.createDirectories(src);
    Files.write(src.resolve("pages-1.img"), new byte[800]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeArchive.Follower follower = new TreeArchive.Follower(src, "images", out, f -> true, 1);
    follower.follow();
    Files.write(src.resolve("pages-1.img"), new byte[800], java.nio.file.StandardOpenOption.APPEND);
    TreeArchive.pack(src, "images", out, follower.sent());
    TreeArchive.finish(out);

    assertThatThrownBy(
            () ->
                TreeArchive.unpack(
                    new ByteArrayInputStream(out.toByteArray()), temp.resolve("dst"), 1000))
        .isInstanceOf(TreeArchive.TooLargeException.class);
  }

  @Test
  void aFileThatCannotBeWrittenFailsTheUnpack() throws IOException {
    Path src = temp.resolve("src");
    Files.createDirectories(src);
    Files.write(src.resolve("data"), new byte[3 << 20]);
    Files.writeString(src.resolve("z-last"), "after");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeArchive.pack(src, "job", out);
    TreeArchive.finish(out);
    // A directory where the file should go: the write fails on the writer's thread.
    Files.createDirectories(temp.resolve("dst/job/data"));

    assertThatThrownBy(
            () ->
                TreeArchive.unpack(
                    new ByteArrayInputStream(out.toByteArray()), temp.resolve("dst"), 1 << 30))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("data");
  }

  // Links: a job's own files may hold symbolic links, kept as links; an archive never writes
  // through one, wherever it points.

  /** Writes one raw archive entry (as {@link TreeArchive#pack} would) without its content. */
  private static DataOutputStream entry(DataOutputStream out, char type, String name, String mode)
      throws IOException {
    out.writeByte(type);
    out.writeUTF(name);
    out.writeUTF(mode);
    out.writeLong(0);
    return out;
  }

  private static void link(DataOutputStream out, String name, String to) throws IOException {
    entry(out, 'l', name, "rwxrwxrwx").writeUTF(to);
  }

  private static void file(DataOutputStream out, String name, String content) throws IOException {
    byte[] bytes = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    entry(out, 'f', name, "rw-r--r--").writeLong(bytes.length);
    out.write(bytes);
  }

  private long unpack(ByteArrayOutputStream bytes) throws IOException {
    TreeArchive.finish(bytes);
    return TreeArchive.unpack(
        new ByteArrayInputStream(bytes.toByteArray()), temp.resolve("dst"), 1 << 20);
  }

  @Test
  void refusesAFileThatWouldBeWrittenThroughALinkOfTheSameName() throws IOException {
    Path outside = temp.resolve("outside.txt");
    Files.writeString(outside, "mine");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    link(out, "job/link", outside.toString());
    file(out, "job/link", "overwritten");

    assertThatThrownBy(() -> unpack(bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("'job/link'")
        .hasMessageContaining("symbolic link");
    assertThat(outside).hasContent("mine");
  }

  @Test
  void refusesAFileUnderALinkToTheParentDirectory() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    link(out, "up", "..");
    file(out, "up/escape.txt", "out");

    assertThatThrownBy(() -> unpack(bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("'up/escape.txt'")
        .hasMessageContaining("up is a symbolic link");
    assertThat(temp.resolve("escape.txt")).doesNotExist();
  }

  @Test
  void refusesAFileUnderALinkWithAnAbsoluteTarget() throws IOException {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    link(out, "job/abs", outside.toString());
    file(out, "job/abs/deep/planted.txt", "out");

    assertThatThrownBy(() -> unpack(bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("job/abs is a symbolic link");
    try (var left = Files.list(outside)) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void refusesADirectoryOrAPieceThroughALink() throws IOException {
    Path outside = Files.createDirectories(temp.resolve("outside"));
    Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(outside.resolve("pages-1.img"), "mine");
    ByteArrayOutputStream dir = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(dir);
    link(out, "job/abs", outside.toString());
    entry(out, 'd', "job/abs", "rwxrwxrwx");

    assertThatThrownBy(() -> unpack(dir)).hasMessageContaining("job/abs is a symbolic link");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside)))
        .isEqualTo("rwx------");

    ByteArrayOutputStream piece = new ByteArrayOutputStream();
    out = new DataOutputStream(piece);
    link(out, "images/pages-1.img", outside.resolve("pages-1.img").toString());
    entry(out, 'a', "images/pages-1.img", "rw-------").writeLong(0);
    out.writeLong(3);
    out.write(new byte[] {'x', 'y', 'z'});

    assertThatThrownBy(() -> unpack(piece)).hasMessageContaining("symbolic link");
    assertThat(outside.resolve("pages-1.img")).hasContent("mine");
  }

  @Test
  void keepsLinksThatPointOutOrUpAsLinks() throws IOException {
    Path src = temp.resolve("src");
    Files.createDirectories(src.resolve("work"));
    Files.createSymbolicLink(src.resolve("work/up"), Path.of(".."));
    Files.createSymbolicLink(src.resolve("work/tmp"), Path.of("/tmp"));
    Files.createSymbolicLink(src.resolve("work/dangling"), Path.of("/no/such/file"));
    Files.writeString(src.resolve("work/after"), "after");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeArchive.pack(src, "job", out);
    TreeArchive.finish(out);

    TreeArchive.unpack(new ByteArrayInputStream(out.toByteArray()), temp.resolve("dst"), 1 << 20);

    Path work = temp.resolve("dst/job/work");
    assertThat(Files.readSymbolicLink(work.resolve("up"))).isEqualTo(Path.of(".."));
    assertThat(Files.readSymbolicLink(work.resolve("tmp"))).isEqualTo(Path.of("/tmp"));
    assertThat(Files.readSymbolicLink(work.resolve("dangling")))
        .isEqualTo(Path.of("/no/such/file"));
    assertThat(work.resolve("after")).hasContent("after");
  }
}
