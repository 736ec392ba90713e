package io.roam.vmnode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees when vm-node cannot start. */
class VmNodeMainTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream savedErr;

  @BeforeEach
  void captureStderr() {
    savedErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStderr() {
    System.setErr(savedErr);
  }

  private Path secret() throws Exception {
    return Files.writeString(tmp.resolve("agent.secret"), "s3cret");
  }

  /** Valid options for a start against an unreachable ZooKeeper, then these. */
  private String[] args(String... more) throws Exception {
    Path images = Files.createDirectories(tmp.resolve("images"));
    List<String> args =
        new ArrayList<>(
            List.of(
                "--zk",
                "127.0.0.1:1",
                "--host-id",
                "h1",
                "--images-dir",
                images.toString(),
                "--state-dir",
                tmp.resolve("s").toString(),
                "--agent-secret-file",
                secret().toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void badOptionsAreListedTogetherWithExitStatus2() {
    int status =
        VmNodeMain.execute(
            "--zk",
            "127.0.0.1:1",
            "--host-id",
            "Not Valid",
            "--domain-type",
            "xen",
            "--images-dir",
            tmp.resolve("nope").toString(),
            "--state-dir",
            tmp.toString(),
            "--agent-secret-file",
            tmp.resolve("no-secret").toString());
    assertThat(status).isEqualTo(2);
    assertThat(stderr())
        .contains("invalid options")
        .contains("--host-id")
        .contains("--domain-type must be one of auto, kvm, qemu")
        .contains("is not a directory")
        .contains("--agent-secret-file");
  }

  @Test
  void aForwardAddressThatIsNotThisHostsIsRefusedWithExitStatus2() throws Exception {
    int status = VmNodeMain.execute(args("--forward-address", "203.0.113.77"));
    assertThat(status).isEqualTo(2);
    assertThat(stderr())
        .contains("--forward-address '203.0.113.77' is not an address of this host");
  }

  @Test
  void anUnreachableLibvirtIsAClearErrorWithExitStatus1() throws Exception {
    int status =
        VmNodeMain.execute(args("--libvirt-uri", "qemu:///system?socket=/nonexistent/sock"));
    assertThat(status).isEqualTo(1);
    assertThat(stderr())
        .contains("vm-node: cannot connect to libvirt at qemu:///system?socket=/nonexistent/sock")
        .contains("is libvirtd running");
  }

  @Test
  void anUnreachableZooKeeperIsAClearError() throws Exception {
    int status =
        VmNodeMain.execute(
            args("--libvirt-uri", "test:///default", "--zk-connect-timeout", "PT1S"));
    assertThat(status).isEqualTo(1);
    assertThat(stderr()).contains("cannot reach ZooKeeper at 127.0.0.1:1");
  }
}
