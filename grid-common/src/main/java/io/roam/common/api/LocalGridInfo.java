package io.roam.common.api;

import java.time.Instant;

/**
 * What a running local grid tells its users, kept in its state file (readable by its owner only).
 *
 * @param api base URL of the manager's REST API
 * @param token the grid administrator's bearer token
 * @param pid the manager's process id; stopping it stops the whole local grid
 */
public record LocalGridInfo(
    String api,
    String token,
    long pid,
    String zookeeper,
    String stateDir,
    int clusters,
    int nodesPerCluster,
    Instant startedAt) {
  public static final String FILE_NAME = "grid.json";
}
