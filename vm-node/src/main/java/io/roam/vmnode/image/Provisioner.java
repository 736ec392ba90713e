package io.roam.vmnode.image;

import io.roam.vmnode.spec.DomainSpec;
import java.nio.file.Path;

/** Makes and removes the files of a domain: its disk overlay and its seed. */
public interface Provisioner {

  /**
   * Verifies the base image and creates the domain's directory with its overlay and seed.
   *
   * @throws ProvisionException if the base image is missing or does not match its checksum, or a
   *     file cannot be made; the domain's directory is then removed again
   */
  void prepare(DomainSpec spec);

  /** Removes a domain's directory and everything in it; no error if it is already gone. */
  void remove(Path domainDirectory);
}
