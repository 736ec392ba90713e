package io.roam.common.api;

import io.roam.common.id.JobId;
import java.util.List;
import java.util.Objects;

/** The manager's order to an agent: start this registered job. */
public record AgentLaunchRequest(JobId job, List<String> command) {
  public AgentLaunchRequest {
    Objects.requireNonNull(job, "job is required");
    command = RunJobRequest.CommandLine.check(command);
  }
}
