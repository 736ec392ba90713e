package io.roam.vmnode.image;

import io.roam.vmnode.spec.DomainSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real {@link Provisioner}: verifies the SHA-256 of the base image (and of the kernel and
 * initrd of a directly booted domain), makes the overlay with {@code qemu-img create -f qcow2 -F
 * qcow2 -b BASE} (base images are qcow2) and the seed ISO with {@code genisoimage -volid
 * ROAM-SEED}. Both tools come from Debian's qemu-utils and genisoimage.
 */
public final class ImageProvisioner implements Provisioner {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

  private final ImageVerifier verifier;

  public ImageProvisioner(ImageVerifier verifier) {
    this.verifier = verifier;
  }

  @Override
  public void prepare(DomainSpec spec) {
    verifier.verify(spec.disk().baseImage(), spec.disk().baseSha256());
    spec.boot()
        .ifPresent(
            k -> {
              verifier.verify(k.kernel(), k.kernelSha256());
              verifier.verify(k.initrd(), k.initrdSha256());
            });
    Path dir = spec.directory();
    try {
      remove(dir); // leftovers of an earlier, interrupted attempt
      Files.createDirectories(dir);
      run(
          List.of(
              "qemu-img",
              "create",
              "-q",
              "-f",
              "qcow2",
              "-F",
              "qcow2",
              "-b",
              spec.disk().baseImage().toAbsolutePath().toString(),
              spec.disk().overlay().toString()),
          "qemu-utils");
      writeSeed(spec, dir.resolve("seed"));
    } catch (IOException | RuntimeException e) {
      remove(dir);
      if (e instanceof ProvisionException p) {
        throw p;
      }
      throw new ProvisionException(
          "cannot make the files of " + spec.name() + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  private void writeSeed(DomainSpec spec, Path staging) throws IOException {
    Files.createDirectories(staging);
    for (Map.Entry<String, byte[]> f : SeedFiles.of(spec.seed().identity()).entrySet()) {
      Path p = staging.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, f.getValue());
    }
    Path iso = spec.seed().iso();
    run(
        List.of(
            "genisoimage",
            "-quiet",
            "-output",
            iso.toString(),
            "-volid",
            SeedFiles.LABEL,
            "-joliet",
            "-rock",
            staging.toString()),
        "genisoimage");
    Files.setPosixFilePermissions(iso, PosixFilePermissions.fromString("rw-------"));
    remove(staging);
  }

  @Override
  public void remove(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new ProvisionException("cannot remove " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void run(List<String> command, String debianPackage) {
    List<String> cmd = new ArrayList<>(command);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new ProvisionException(
          cmd.get(0) + " cannot be run (" + e.getMessage() + "): install " + debianPackage, e);
    }
    try {
      p.getOutputStream().close();
      if (!p.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ProvisionException(cmd.get(0) + " did not finish within " + TOOL_TIMEOUT);
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.exitValue() != 0) {
        throw new ProvisionException(cmd.get(0) + " failed (exit " + p.exitValue() + "): " + out);
      }
    } catch (IOException e) {
      throw new ProvisionException(cmd.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ProvisionException("interrupted while running " + cmd.get(0), e);
    }
  }
}
