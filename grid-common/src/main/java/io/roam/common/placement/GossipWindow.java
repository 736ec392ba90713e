package io.roam.common.placement;

/** Bounds of the agents' gossip window, checked alike by the agent, the manager and gridctl. */
public final class GossipWindow {
  /** Most entries a window holds: 48 entries of 40-character ids fit a 4096-byte message. */
  public static final int MAX = 48;

  private GossipWindow() {}
}
