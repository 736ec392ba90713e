package io.roam.common.api;

/**
 * Changes a node's flags; a flag left out (null) stays as it is.
 *
 * @param stay no automatic migration away from the node
 * @param block no guests arrive on the node (its own jobs still come home)
 */
public record NodeFlagsRequest(Boolean stay, Boolean block) {
  public NodeFlagsRequest {
    if (stay == null && block == null) {
      throw new IllegalArgumentException("give at least one of stay and block");
    }
  }
}
