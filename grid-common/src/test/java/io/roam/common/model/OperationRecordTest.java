package io.roam.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.api.DetachRequest;
import io.roam.common.api.OperationRequest;
import io.roam.common.json.Json;
import io.roam.common.json.JsonException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OperationRecordTest {
  @Test
  void aRecordWrittenBeforeTheSettingReadsAsTheConfiguredNumber() {
    String old =
        "{\"id\":\"detach-c2-1\",\"kind\":\"DETACH\",\"cluster\":\"c2\",\"state\":\"RUNNING\","
            + "\"createdAt\":\"2026-01-01T00:00:00Z\",\"items\":[],\"message\":\"planning\"}";

    OperationRecord op = Json.decode(old.getBytes(StandardCharsets.UTF_8), OperationRecord.class);

    assertThat(op.parallel()).isNull();
    assertThat(op.parallelOr(4)).isEqualTo(4);
  }

  @Test
  void theSettingIsKeptThroughJsonAndThroughProgress() {
    OperationRecord op =
        Json.decode(
            ("{\"id\":\"expel-c2-n1-1\",\"kind\":\"EXPEL\",\"cluster\":\"c2\",\"node\":\"c2-n1\","
                    + "\"state\":\"RUNNING\",\"parallel\":2}")
                .getBytes(StandardCharsets.UTF_8),
            OperationRecord.class);

    OperationRecord later = op.with(OperationRecord.State.DONE, op.items(), "done", null);

    assertThat(later.parallelOr(4)).isEqualTo(2);
    assertThat(Json.decode(Json.encode(later), OperationRecord.class)).isEqualTo(later);
  }

  @Test
  void requestsOutsideOneToSixtyFourAreRefusedWithTheReason() {
    assertThatThrownBy(() -> new DetachRequest(null, null, 0))
        .hasMessageContaining("parallel must be between 1 and 64, not 0");
    assertThatThrownBy(() -> new OperationRequest(65))
        .hasMessageContaining("parallel must be between 1 and 64, not 65");
    assertThatThrownBy(
            () ->
                Json.decode(
                    "{\"parallel\":-1}".getBytes(StandardCharsets.UTF_8), OperationRequest.class))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("parallel must be between 1 and 64");
    assertThat(new OperationRequest(64).parallel()).isEqualTo(64);
    assertThat(new DetachRequest(60L, OperationRecord.OnDeadline.FAIL, 1).parallel()).isEqualTo(1);
  }
}
