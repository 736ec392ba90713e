package io.roam.gridctl;

import io.roam.common.api.OperationRequest;
import io.roam.common.model.OperationRecord;
import io.roam.gridctl.client.ApiClient;
import picocli.CommandLine.Option;

/** The options of a command that starts an operation: follow it, print it as JSON, its pace. */
final class OperationOptions {
  @Option(names = "--wait", description = "Show progress until it is done.")
  boolean await;

  @Option(names = "--json", description = "Print the operation as JSON.")
  boolean json;

  @Option(names = "--parallel", paramLabel = "N", description = ClusterOps.PARALLEL_HELP)
  Integer parallel;

  /**
   * Starts the operation at {@code path} (its body: {@code --parallel}, if given), then follows.
   */
  int start(GridOptions grid, String path) throws InterruptedException {
    OperationRequest body = ClusterOps.options(parallel); // a bad --parallel is refused first
    ApiClient api = grid.client();
    return follow(api, api.post(path, body, OperationRecord.class));
  }

  /** Prints the operation, and with {@code --wait} its progress until it ends; the exit code. */
  int follow(ApiClient api, OperationRecord op) throws InterruptedException {
    return ClusterOps.follow(api, op, await, json);
  }
}
