package io.roam.vmnode.probe;

import java.nio.file.Path;
import java.time.Duration;

/** Boots a tiny firmware under an accelerator and says whether it ran to its end in time. */
public interface FirmwareProbe {

  /** How a probe run ended. */
  enum Outcome {
    /** The firmware reached long mode and signalled success. */
    PASSED,
    /** The emulator exited otherwise (for example: the accelerator is not available). */
    FAILED,
    /** The emulator did not finish within the time limit and was killed. */
    TIMED_OUT
  }

  record Result(Outcome outcome, String detail, Duration took) {}

  /**
   * @param emulator the qemu-system-x86_64 binary
   * @param accelerator "kvm" or "tcg"
   */
  Result run(Path emulator, String accelerator, Duration timeout);
}
