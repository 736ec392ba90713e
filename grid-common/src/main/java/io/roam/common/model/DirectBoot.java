package io.roam.common.model;

import java.util.regex.Pattern;

/**
 * Boots a VM from a kernel and an initrd given to the hypervisor directly (no boot loader in the
 * image), as the grid's guest images are built. Files are plain names in the host's images
 * directory, each pinned by its SHA-256.
 *
 * @param cmdline the kernel command line; {@link #DEFAULT_CMDLINE} when null
 */
public record DirectBoot(
    String kernel, String kernelSha256, String initrd, String initrdSha256, String cmdline) {
  public static final String DEFAULT_CMDLINE = "root=/dev/vda rw console=ttyS0,115200";
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public DirectBoot {
    requireFile("kernel", kernel, kernelSha256);
    requireFile("initrd", initrd, initrdSha256);
    cmdline = cmdline == null ? DEFAULT_CMDLINE : cmdline;
    if (cmdline.isBlank()
        || cmdline.length() > 2048
        || !cmdline.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "cmdline must be 1 to 2048 printable ASCII characters on one line");
    }
  }

  private static void requireFile(String what, String name, String sha256) {
    if (name == null || !FILE_NAME.matcher(name).matches() || name.contains("..")) {
      throw new IllegalArgumentException(what + " '" + name + "' is not a plain file name");
    }
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(what + "Sha256 must be 64 lower-case hex digits");
    }
  }
}
