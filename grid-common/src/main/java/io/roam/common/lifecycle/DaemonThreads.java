package io.roam.common.lifecycle;

import java.util.concurrent.ThreadFactory;

/**
 * Threads of executors and background loops, which never keep the JVM alive: the agent and the
 * manager end through their closers and shutdown hooks, not by waiting for their workers.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory of daemon threads, each named {@code name}. */
  public static ThreadFactory named(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
