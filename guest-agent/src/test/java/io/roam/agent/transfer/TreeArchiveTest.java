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
}
