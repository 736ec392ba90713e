package io.roam.agent.gossip;

/**
 * How a node gossips.
 *
 * @param window entries sent per message: the node's own and the freshest it knows
 * @param maxAge entries older than this many steps are dropped (their node is presumed gone)
 * @param capacity most entries a view keeps besides its own; when full, the oldest give way
 */
public record GossipConfig(int window, int maxAge, int capacity) {
  public static final int DEFAULT_WINDOW = 20;
  public static final int DEFAULT_MAX_AGE = 600;
  public static final int DEFAULT_CAPACITY = 4096;

  public GossipConfig {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, not " + window);
    }
    if (maxAge < 1) {
      throw new IllegalArgumentException("maxAge must be >= 1, not " + maxAge);
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, not " + capacity);
    }
  }

  public static GossipConfig defaults() {
    return new GossipConfig(DEFAULT_WINDOW, DEFAULT_MAX_AGE, DEFAULT_CAPACITY);
  }

  public GossipConfig withWindow(int newWindow) {
    return new GossipConfig(newWindow, maxAge, capacity);
  }

  public GossipConfig withMaxAge(int newMaxAge) {
    return new GossipConfig(window, newMaxAge, capacity);
  }

  public GossipConfig withCapacity(int newCapacity) {
    return new GossipConfig(window, maxAge, newCapacity);
  }
}
