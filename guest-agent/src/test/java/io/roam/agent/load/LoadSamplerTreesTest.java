package io.roam.agent.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.JobId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every job's process tree from one reading of a /proc laid out as the kernel's. */
class LoadSamplerTreesTest {
  @TempDir Path proc;

  private void process(long pid, long ppid, char state, long utime, long stime, long rss)
      throws Exception {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    Files.writeString(
        dir.resolve("stat"),
        pid
            + " (job "
            + pid
            + ") "
            + state
            + " "
            + ppid
            + " 1 1 0 -1 0 0 0 0 0 "
            + utime
            + " "
            + stime
            + " 0 0 20 0 1 0 100 4096 "
            + rss
            + " 18446744073709551615 0 0\n");
  }

  @BeforeEach
  void machine() throws Exception {
    process(1, 0, 'S', 0, 0, 10);
    process(100, 1, 'R', 10, 5, 100); // job A's root
    process(101, 100, 'S', 1, 1, 50);
    process(102, 101, 'R', 2, 0, 25); // A's grandchild
    process(200, 1, 'S', 4, 4, 70); // job B's root, alone
    process(300, 1, 'R', 99, 99, 999); // nobody's
    Files.createDirectories(proc.resolve("400")); // ended while /proc was read: no stat
    Files.createDirectories(proc.resolve("self"));
    Files.writeString(proc.resolve("meminfo"), "MemTotal: 1 kB\n");
  }

  @Test
  void eachJobCountsItsWholeTreeAndNothingElse() {
    Map<JobId, LoadSampler.JobSample> samples =
        new LoadSampler(proc)
            .jobs(Map.of(JobId.of("j1"), 100L, JobId.of("j2"), 200L, JobId.of("j3"), 999L));

    assertThat(samples.get(JobId.of("j1")))
        .isEqualTo(new LoadSampler.JobSample(2, 0.19, 175 * 4096L));
    assertThat(samples.get(JobId.of("j2")))
        .isEqualTo(new LoadSampler.JobSample(0, 0.08, 70 * 4096L));
    assertThat(samples.get(JobId.of("j3"))).isEqualTo(new LoadSampler.JobSample(0, 0, 0));
  }

  @Test
  void oneJobAloneIsTheSame() {
    assertThat(new LoadSampler(proc).job(101))
        .isEqualTo(new LoadSampler.JobSample(1, 0.04, 75 * 4096L));
  }

  @Test
  void noJobsReadNothing() {
    assertThat(new LoadSampler(proc.resolve("missing")).jobs(Map.of())).isEmpty();
  }
}
