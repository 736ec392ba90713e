package io.roam.gridctl;

import io.roam.common.api.LocalGridInfo;
import io.roam.gridctl.client.ApiClient;
import io.roam.gridctl.client.GridCtlException;
import io.roam.gridctl.local.LocalGridControl;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How gridctl finds the grid: flags, then environment, then the local grid's state file. */
public final class GridOptions {
  @Option(
      names = "--state-dir",
      description = "The local grid's state directory (env ROAM_STATE_DIR; default ~/.roam/local).")
  Path stateDir;

  @Option(
      names = "--api",
      description = "The manager's REST API URL (env ROAM_API; default: the local grid's).")
  String api;

  @Option(
      names = "--token",
      description = "Bearer token (env ROAM_TOKEN; default: the local grid's).")
  String token;

  public Path stateDir() {
    if (stateDir != null) {
      return stateDir;
    }
    String env = System.getenv("ROAM_STATE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".roam", "local");
  }

  public static Path roamHome() {
    String home = System.getProperty("roam.home", System.getenv("ROAM_HOME"));
    return Path.of(home == null ? "." : home).toAbsolutePath().normalize();
  }

  public LocalGridControl local() {
    return new LocalGridControl(stateDir(), roamHome(), System.err);
  }

  public ApiClient client() {
    String url = api != null ? api : System.getenv("ROAM_API");
    String bearer = token != null ? token : System.getenv("ROAM_TOKEN");
    if (url == null || bearer == null) {
      LocalGridInfo info =
          local()
              .running()
              .orElseThrow(
                  () ->
                      new GridCtlException(
                          "no grid is running (no live local grid in "
                              + stateDir()
                              + "): start one with 'gridctl up', or give --api and --token"));
      url = url != null ? url : info.api();
      bearer = bearer != null ? bearer : info.token();
    }
    return new ApiClient(url, bearer);
  }
}
