package io.roam.vmnode.image;

import static io.roam.vmnode.Fixtures.desired;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.model.DirectBoot;
import io.roam.vmnode.hypervisor.DomainType;
import io.roam.vmnode.spec.DomainSpec;
import io.roam.vmnode.spec.DomainSpecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With the real qemu-img and genisoimage (qemu-utils, genisoimage; scripts/setup.sh). */
class ImageProvisionerTest {
  @TempDir Path tmp;
  private Path images;
  private DomainSpecs specs;
  private String sha;
  private final ImageProvisioner provisioner = new ImageProvisioner(new ImageVerifier());

  @BeforeEach
  void baseImage() throws Exception {
    images = Files.createDirectories(tmp.resolve("images"));
    Path base = images.resolve("base.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "64M");
    sha = ImageVerifier.hash(base);
    specs =
        new DomainSpecs(images, tmp.resolve("state"), DomainType.QEMU, "t", "10.0.2.2:2181", "pw");
  }

  private DomainSpec spec(String node, String sha256) {
    var d = desired(node);
    return specs.forDesired(
        new io.roam.common.model.DesiredDomain(
            d.node(), d.cluster(), 1, 256, "base.qcow2", sha256, d.ports()));
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }

  @Test
  void makesAnOverlayOverTheVerifiedBaseAndASeedWithTheIdentity() throws Exception {
    DomainSpec spec = spec("n1", sha);
    provisioner.prepare(spec);

    String info = run("qemu-img", "info", "--output=json", spec.disk().overlay().toString());
    assertThat(info)
        .contains("\"format\": \"qcow2\"")
        .contains("\"backing-filename\": \"" + images.resolve("base.qcow2") + "\"");

    Path iso = spec.seed().iso();
    assertThat(Files.getPosixFilePermissions(iso))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String volume = run("isoinfo", "-d", "-i", iso.toString());
    assertThat(volume).contains("Volume id: ROAM-SEED");
    String env = run("isoinfo", "-R", "-i", iso.toString(), "-x", "/roam.env");
    int port = spec.ports().get(0).hostPort();
    assertThat(env)
        .isEqualTo(
            "ROAM_NODE_ID=n1\nROAM_CLUSTER=c1\nROAM_ZK=10.0.2.2:2181\nROAM_GRID=t\n"
                + "ROAM_BIND=0.0.0.0:7000\nROAM_ADVERTISE=127.0.0.1:"
                + port
                + "\nROAM_HOSTNAME=n1\nROAM_HOST_LOOPBACK=10.0.2.2\n"
                + "ROAM_ZK_SESSION_TIMEOUT_MS=40000\n");
    assertThat(run("isoinfo", "-R", "-i", iso.toString(), "-x", "/agent.secret")).isEqualTo("pw\n");
    assertThat(Files.exists(spec.directory().resolve("seed"))).as("staging removed").isFalse();

    provisioner.remove(spec.directory());
    assertThat(spec.directory()).doesNotExist();
  }

  @Test
  void aCorruptBaseImageIsRefusedAndLeavesNothingBehind() throws Exception {
    Files.write(
        images.resolve("base.qcow2"),
        new byte[] {1, 2, 3},
        java.nio.file.StandardOpenOption.APPEND);
    DomainSpec spec = spec("n2", sha);
    assertThatThrownBy(() -> provisioner.prepare(spec))
        .isInstanceOf(ProvisionException.class)
        .hasMessageContaining("SHA-256")
        .hasMessageContaining("refusing");
    assertThat(spec.directory()).doesNotExist();
  }

  @Test
  void aMissingBaseImageIsAClearError() throws Exception {
    Files.delete(images.resolve("base.qcow2"));
    DomainSpec spec = spec("n3", sha);
    assertThatThrownBy(() -> provisioner.prepare(spec))
        .hasMessageContaining("does not exist")
        .hasMessageContaining("--images-dir");
    assertThat(spec.directory()).doesNotExist();
  }

  @Test
  void leftoversOfAnInterruptedAttemptAreReplaced() throws Exception {
    DomainSpec spec = spec("n4", sha);
    Files.createDirectories(spec.directory());
    Files.writeString(spec.disk().overlay(), "half-written");
    provisioner.prepare(spec);
    assertThat(run("qemu-img", "info", spec.disk().overlay().toString())).contains("qcow2");
    assertThat(List.of(spec.directory().toFile().list()))
        .containsExactlyInAnyOrder("disk.qcow2", "seed.iso");
  }

  @Test
  void theVerifierRemembersAnUnchangedFileButNoticesAChange() throws Exception {
    ImageVerifier v = new ImageVerifier();
    Path f = images.resolve("base.qcow2");
    assertThat(v.sha256(f)).isEqualTo(sha);
    Files.writeString(f, "changed", java.nio.file.StandardOpenOption.APPEND);
    assertThat(v.sha256(f)).isNotEqualTo(sha).isEqualTo(ImageVerifier.hash(f));
  }

  @Test
  void aKernelOrInitrdThatDoesNotMatchItsChecksumIsRefused() throws Exception {
    Files.writeString(images.resolve("vmlinuz"), "kernel");
    Files.writeString(images.resolve("initrd"), "initrd");
    String k = ImageVerifier.hash(images.resolve("vmlinuz"));
    String i = ImageVerifier.hash(images.resolve("initrd"));
    var d = desired("n5");
    java.util.function.Function<DirectBoot, DomainSpec> spec =
        boot ->
            specs.forDesired(
                new io.roam.common.model.DesiredDomain(
                    d.node(), d.cluster(), 1, 256, "base.qcow2", sha, d.ports(), boot));

    provisioner.prepare(spec.apply(new DirectBoot("vmlinuz", k, "initrd", i, null)));
    DomainSpec badInitrd = spec.apply(new DirectBoot("vmlinuz", k, "initrd", k, null));
    provisioner.remove(badInitrd.directory());
    assertThatThrownBy(() -> provisioner.prepare(badInitrd))
        .hasMessageContaining("initrd")
        .hasMessageContaining("SHA-256 " + i);
    assertThat(badInitrd.directory()).doesNotExist();
  }
}
