package io.roam.vmnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.vmnode.libvirt.DomainXml;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RenderDomainMainTest {
  private static String render(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertThat(new CommandLine(new RenderDomainMain()).execute(args)).isZero();
    } finally {
      System.setOut(saved);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsWhatVmNodeDefinesWithTheFilesUnderItsNames() {
    String xml =
        render(
            "--name",
            "roam-t1",
            "--dir",
            "/var/lib/x",
            "--kernel",
            "/i/k",
            "--initrd",
            "/i/r",
            "--forward",
            "21000:7070");
    assertThat(xml)
        .contains("<name>roam-t1</name>")
        .contains("<kernel>/i/k</kernel>")
        .contains("/var/lib/x/disk.qcow2")
        .contains("/var/lib/x/seed.iso")
        .contains("/var/lib/x/console.log")
        .contains("hostfwd=tcp:127.0.0.1:21000-:7070");
    assertThat(DomainXml.readMark(xml)).isPresent();
  }

  @Test
  void theForwardsBindToTheForwardAddress() {
    String xml =
        render(
            "--name",
            "roam-t2",
            "--dir",
            "/var/lib/x",
            "--forward",
            "21000:7070",
            "--forward-address",
            "127.0.0.2");
    assertThat(xml).contains("hostfwd=tcp:127.0.0.2:21000-:7070");
  }

  @Test
  void unmanagedLeavesTheMarkOutSoNoVmNodeTakesTheDomain() {
    String xml = render("--name", "roam-t2", "--dir", "/d", "--unmanaged");
    assertThat(xml).contains("<name>roam-t2</name>").doesNotContain("roam:node");
    assertThat(DomainXml.readMark(xml)).isEmpty();
  }
}
