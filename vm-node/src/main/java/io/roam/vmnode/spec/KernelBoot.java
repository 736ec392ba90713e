package io.roam.vmnode.spec;

import java.nio.file.Path;
import java.util.Objects;

/** A kernel and initrd the hypervisor boots directly, each checked against its SHA-256. */
public record KernelBoot(
    Path kernel, String kernelSha256, Path initrd, String initrdSha256, String cmdline) {
  public KernelBoot {
    Objects.requireNonNull(kernel, "kernel");
    Objects.requireNonNull(kernelSha256, "kernelSha256");
    Objects.requireNonNull(initrd, "initrd");
    Objects.requireNonNull(initrdSha256, "initrdSha256");
    Objects.requireNonNull(cmdline, "cmdline");
  }
}
