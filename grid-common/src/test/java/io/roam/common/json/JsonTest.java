package io.roam.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.api.RunJobRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.JobRecord;
import io.roam.common.model.JobState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
  private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

  @Test
  void jobRecordRoundTripsWithIdsAsPlainStrings() {
    JobRecord job =
        JobRecord.pending(
                JobId.of("j7"),
                List.of("sh", "-c", "echo hi"),
                NodeId.of("c1-n1"),
                ClusterId.of("c1"),
                T0)
            .started(T0.plusSeconds(1))
            .exited(3, T0.plusSeconds(2));

    String text = Json.encodeString(job);

    assertThat(text).contains("\"id\":\"j7\"", "\"home\":\"c1-n1\"", "\"exitCode\":3");
    assertThat(text).doesNotContain("reason");
    assertThat(Json.decode(text, JobRecord.class)).isEqualTo(job);
    assertThat(job.state()).isEqualTo(JobState.EXITED);
  }

  @Test
  void aJobWhoseFilesReturnedHomeSaysWhenAndKeepsItsEarlierReason() {
    JobRecord job =
        JobRecord.pending(
                JobId.of("j8"), List.of("true"), NodeId.of("c1-n1"), ClusterId.of("c1"), T0)
            .ended(JobState.KILLED, "killed on request", T0.plusSeconds(1))
            .withNote("its files stay on c2-n1")
            .filesReturnedHome(T0.plusSeconds(2));

    String text = Json.encodeString(job);

    assertThat(text).contains("\"returnedHome\":\"2026-01-02T03:04:07Z\"");
    assertThat(job.reason()).isEqualTo("killed on request; its files stay on c2-n1");
    assertThat(Json.decode(text, JobRecord.class)).isEqualTo(job);
    assertThat(job.redacted().returnedHome()).isEqualTo(T0.plusSeconds(2));
  }

  @Test
  void aLockedJobSaysSoAndAnUnlockedOneLeavesItOut() {
    JobRecord job =
        JobRecord.pending(
            JobId.of("j8"), List.of("sleep", "9"), NodeId.of("c1-n1"), ClusterId.of("c1"), T0);

    assertThat(Json.encodeString(job)).doesNotContain("locked");
    String locked = Json.encodeString(job.withLocked(true).started(T0));
    assertThat(locked).contains("\"locked\":true");
    assertThat(Json.decode(locked, JobRecord.class).locked()).isTrue();
    assertThat(Json.decode(locked, JobRecord.class).withLocked(false).locked()).isFalse();
    assertThat(
            Json.decode("{\"command\":[\"x\"],\"locked\":true}", RunJobRequest.class)
                .lockedOrFalse())
        .isTrue();
    assertThat(Json.decode("{\"command\":[\"x\"]}", RunJobRequest.class).lockedOrFalse()).isFalse();
  }

  @Test
  void aForwardedJobNamesItsFirstNodeAndStartsWithItsNewHome() {
    JobRecord job =
        JobRecord.pending(
            JobId.of("j9"), List.of("sleep", "9"), NodeId.of("c1-n1"), ClusterId.of("c1"), T0);
    assertThat(Json.encodeString(job)).doesNotContain("forwardedFrom");

    JobRecord forwarded = job.forwardedTo(NodeId.of("c2-n1"), ClusterId.of("c2"));
    assertThat(forwarded.node()).isEqualTo(NodeId.of("c2-n1"));
    assertThat(forwarded.home()).isEqualTo(NodeId.of("c2-n1"));
    assertThat(forwarded.homeCluster()).isEqualTo(ClusterId.of("c2"));
    assertThat(forwarded.forwardedFrom()).isEqualTo(NodeId.of("c1-n1"));
    String text = Json.encodeString(forwarded);
    assertThat(text).contains("\"forwardedFrom\":\"c1-n1\"");
    assertThat(Json.decode(text, JobRecord.class)).isEqualTo(forwarded);

    assertThat(forwarded.forwardUndone(ClusterId.of("c1"))).isEqualTo(job);
    assertThatThrownBy(
            () -> forwarded.started(T0).forwardedTo(NodeId.of("c3-n1"), ClusterId.of("c3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not pending");
  }

  @Test
  void unknownFieldsAreRejectedByName() {
    assertThatThrownBy(
            () -> Json.decode("{\"command\":[\"true\"],\"nod\":\"c1-n1\"}", RunJobRequest.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("unknown field 'nod'");
  }

  @Test
  void invalidIdsSayWhatIsWrong() {
    assertThatThrownBy(
            () -> Json.decode("{\"command\":[\"true\"],\"node\":\"C1 N1\"}", RunJobRequest.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("node id 'C1 N1' is not valid");
  }

  @Test
  void emptyCommandIsRefused() {
    assertThatThrownBy(() -> Json.decode("{\"command\":[]}", RunJobRequest.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("command is empty");
  }

  @Test
  void jobIdsOrderByNumber() {
    assertThat(List.of(JobId.of("j10"), JobId.of("j9")).stream().sorted().toList())
        .containsExactly(JobId.of("j9"), JobId.of("j10"));
    assertThatThrownBy(() -> JobId.of("j0")).hasMessageContaining("job ids look like j1");
  }
}
