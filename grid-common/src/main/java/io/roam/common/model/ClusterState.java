package io.roam.common.model;

/** A cluster's membership in the grid. */
public enum ClusterState {
  ATTACHING,
  ATTACHED,
  DETACHING,
  DETACHED
}
