package io.roam.common.api;

import java.util.Objects;

/**
 * Asks the grid to move a running job.
 *
 * @param target a node id, or {@code home} for the job's home node
 */
public record MigrateRequest(String target) {
  public static final String HOME = "home";

  public MigrateRequest {
    Objects.requireNonNull(target, "target is required: a node id, or 'home'");
  }
}
