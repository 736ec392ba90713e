package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.agent.placement.Move;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class WireTest {
  @Test
  void aHeaderRoundTrips() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new Wire.Header("j1", "a", "b", "x1", new byte[32]).write(new DataOutputStream(bytes));

    Wire.Header read =
        Wire.Header.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));

    assertThat(read.context()).isEqualTo("j1|a|b|x1");
  }

  @Test
  void anAgentOfTheFirstProtocolVersionIsRefusedClearly() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeUTF("ROAM-MIGRATE-1");
    out.writeUTF("j1");

    assertThatThrownBy(
            () ->
                Wire.Header.read(
                    new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))))
        .hasMessageContaining("ROAM-MIGRATE-1")
        .hasMessageContaining("different versions");
  }

  @Test
  void theTermsOfABalancingMoveRoundTrip() throws IOException {
    Move move =
        new Move(JobId.of("j1"), NodeId.of("b"), Move.Reason.LOAD, 12.5, 64L << 20, 30.0, 120.0);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Wire.writeTerms(new DataOutputStream(bytes), move);

    Move read =
        Wire.readTerms(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
            JobId.of("j1"),
            NodeId.of("b"));

    assertThat(read.reason()).isEqualTo(Move.Reason.LOAD);
    assertThat(read.memoryBytes()).isEqualTo(64L << 20);
    assertThat(read.expectedRemaining()).isEqualTo(30.0);
    assertThat(read.completionHere()).isEqualTo(120.0);
  }

  @Test
  void malformedTermsAreRefused() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte('L');
    out.writeLong(-1);
    out.writeDouble(1);
    out.writeDouble(1);

    assertThatThrownBy(
            () ->
                Wire.readTerms(
                    new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
                    JobId.of("j1"),
                    NodeId.of("b")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("malformed");
  }
}
