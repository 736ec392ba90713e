package io.roam.agent.launch;

import io.roam.common.id.JobId;
import java.util.List;

/** Starts jobs on this node. */
public interface JobLauncher {
  /**
   * Starts {@code command} as job {@code job}, with its own files under {@code dir}.
   *
   * @throws LaunchException when the job cannot be started; nothing is left running then
   */
  LaunchedJob launch(JobId job, List<String> command, JobDir dir);
}
