package io.roam.vmnode.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs QEMU directly (not through libvirt) with a 64 KiB firmware as its BIOS: no disk, no display,
 * 16 MiB of memory. The firmware (source: src/main/asm/kvm-probe.asm) goes from the reset vector
 * through protected mode into 64-bit long mode with paging, then writes to the isa-debug-exit port,
 * which makes QEMU exit with status 85. Under a working accelerator that takes well under a second;
 * a vCPU that hangs is killed at the time limit.
 */
public final class QemuFirmwareProbe implements FirmwareProbe {
  static final int SUCCESS_STATUS = (0x2a << 1) | 1;
  private static final String FIRMWARE = "kvm-probe.bin";

  @Override
  public Result run(Path emulator, String accelerator, Duration timeout) {
    long t0 = System.nanoTime();
    Path dir = null;
    Process p = null;
    try {
      dir = Files.createTempDirectory("roam-kvm-probe");
      Path bios = dir.resolve(FIRMWARE);
      try (InputStream in = QemuFirmwareProbe.class.getResourceAsStream(FIRMWARE)) {
        if (in == null) {
          throw new IllegalStateException(FIRMWARE + " is missing from the vm-node jar");
        }
        Files.copy(in, bios);
      }
      Path output = dir.resolve("qemu.out");
      p =
          new ProcessBuilder(
                  List.of(
                      emulator.toString(),
                      "-accel",
                      accelerator,
                      "-machine",
                      "pc",
                      "-m",
                      "16",
                      "-nodefaults",
                      "-no-user-config",
                      "-display",
                      "none",
                      "-serial",
                      "none",
                      "-monitor",
                      "none",
                      "-no-reboot",
                      "-bios",
                      bios.toString(),
                      "-device",
                      "isa-debug-exit,iobase=0xf4,iosize=0x04"))
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      if (!ended) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        return new Result(
            Outcome.TIMED_OUT,
            "the probe firmware did not reach long mode within " + timeout.toMillis() + " ms",
            took);
      }
      String out = Files.readString(output, StandardCharsets.UTF_8).trim();
      if (p.exitValue() == SUCCESS_STATUS) {
        return new Result(Outcome.PASSED, "reached long mode in " + took.toMillis() + " ms", took);
      }
      return new Result(
          Outcome.FAILED,
          "qemu exited with status " + p.exitValue() + (out.isEmpty() ? "" : ": " + lastLine(out)),
          took);
    } catch (IOException e) {
      return new Result(
          Outcome.FAILED,
          "cannot run " + emulator + ": " + e.getMessage(),
          Duration.ofNanos(System.nanoTime() - t0));
    } catch (InterruptedException e) {
      if (p != null) {
        p.destroyForcibly();
      }
      Thread.currentThread().interrupt();
      return new Result(Outcome.FAILED, "interrupted", Duration.ofNanos(System.nanoTime() - t0));
    } finally {
      deleteQuietly(dir);
    }
  }

  private static String lastLine(String s) {
    String[] lines = s.split("\n");
    return lines[lines.length - 1];
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
