package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
