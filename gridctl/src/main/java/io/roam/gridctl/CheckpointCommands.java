package io.roam.gridctl;

import io.roam.common.api.ApiPaths;
import io.roam.common.id.JobId;
import io.roam.common.model.JobCheckpoint;
import io.roam.common.model.JobRecord;
import io.roam.gridctl.output.Table;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gridctl checkpoint}: checkpoint a running job, kept on its home node. */
@Command(
    name = "checkpoint",
    mixinStandardHelpOptions = true,
    description = {
      "Checkpoint a running job without stopping it for long.",
      "",
      "The job is frozen for a moment (a CRIU dump and a copy of its files), then",
      "runs on. The image is kept on the job's home node, replacing the job's",
      "earlier one. If the node the job runs on is lost, the grid restarts the job",
      "from its latest checkpoint on its home node.",
      "Without --wait it returns once the request is taken."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:checkpointed (or, without --wait, asked for)",
      "1:refused or failed: the message says why; the job runs on"
    })
final class CheckpointCommands implements Callable<Integer> {
  @Mixin GridOptions grid;

  @Parameters(paramLabel = "JOB", description = "The job id.")
  String job;

  @Option(names = "--wait", description = "Wait until the checkpoint is kept and say where.")
  boolean await;

  @Option(names = "--json", description = "Print the job's record as JSON.")
  boolean json;

  @Override
  public Integer call() {
    JobId id = Commands.jobId(job);
    JobRecord after =
        grid.client()
            .post(ApiPaths.jobCheckpoint(id.value()) + "?wait=" + await, null, JobRecord.class);
    if (json) {
      Commands.json(after);
      return 0;
    }
    JobCheckpoint cp = after.checkpoint();
    if (!await) {
      Commands.OUT.println("Checkpointing job " + id + " on " + after.node() + ".");
    } else if (cp != null) {
      Commands.OUT.printf(
          "Job %s checkpointed at %s (frozen %d ms), kept on %s (%s).%n",
          id, cp.takenAt(), cp.frozenMillis(), cp.keptOn(), Table.bytes(cp.bytes()));
    }
    return 0;
  }

  /** "90", "90s", "5m", "2h" as seconds. */
  static long seconds(String duration) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("([0-9]{1,9})([smh]?)").matcher(duration.trim());
    if (!m.matches()) {
      throw new io.roam.gridctl.client.GridCtlException(
          "'" + duration + "' is not a duration: use a number with s, m or h (e.g. 30s, 5m)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> n * 60;
      case "h" -> n * 3600;
      default -> n;
    };
  }
}
