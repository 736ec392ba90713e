package io.roam.agent.homecoming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.agent.transfer.SealedChannel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class WorkspaceWireTest {
  private static final byte[] SECRET = WorkspaceWire.secretBytes("grid-agent-secret-0123456789");
  private final byte[] salt = new byte[32];
  private final WorkspaceWire.Header header =
      new WorkspaceWire.Header("j7", "c2-n1", "c1-n1", "a1", salt);

  /** The keys a migration of the same job between the same nodes would use (migration.Wire). */
  private SealedChannel.Keys migrationKeys(String direction) {
    return SealedChannel.derive(SECRET, salt, direction, "j7|c2-n1|c1-n1|a1");
  }

  @Test
  void aWorkspaceStreamCannotBeReadAsAMigrationNorTheOtherWayRound() throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    try (SealedChannel.Writer w =
        new SealedChannel.Writer(wire, header.keys(SECRET, WorkspaceWire.TO_HOME))) {
      w.write(WorkspaceWire.RETURN);
    }

    for (String direction : new String[] {"source-to-target", "target-to-source"}) {
      DataInputStream asMigration =
          new DataInputStream(
              new SealedChannel.Reader(
                  new ByteArrayInputStream(wire.toByteArray()), migrationKeys(direction)));
      assertThatThrownBy(asMigration::readByte).hasMessageContaining("failed authentication");
    }
    DataInputStream asWorkspace =
        new DataInputStream(
            new SealedChannel.Reader(
                new ByteArrayInputStream(wire.toByteArray()),
                header.keys(SECRET, WorkspaceWire.TO_HOME)));
    assertThat(asWorkspace.readByte()).isEqualTo(WorkspaceWire.RETURN);
  }

  @Test
  void theKeysAreBoundToTheJobTheNodesAndTheDirection() {
    byte[] key = header.keys(SECRET, WorkspaceWire.TO_HOME).key();
    assertThat(header.keys(SECRET, WorkspaceWire.FROM_HOME).key()).isNotEqualTo(key);
    assertThat(
            new WorkspaceWire.Header("j8", "c2-n1", "c1-n1", "a1", salt)
                .keys(SECRET, WorkspaceWire.TO_HOME)
                .key())
        .isNotEqualTo(key);
    assertThat(
            new WorkspaceWire.Header("j7", "c2-n2", "c1-n1", "a1", salt)
                .keys(SECRET, WorkspaceWire.TO_HOME)
                .key())
        .isNotEqualTo(key);
  }

  @Test
  void theHeaderRoundTripsAfterItsMagic() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    header.write(new DataOutputStream(bytes));
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));

    assertThat(in.readUTF()).isEqualTo(WorkspaceWire.MAGIC);
    WorkspaceWire.Header read = WorkspaceWire.Header.read(in);
    assertThat(read.job()).isEqualTo("j7");
    assertThat(read.away()).isEqualTo("c2-n1");
    assertThat(read.home()).isEqualTo("c1-n1");
    assertThat(read.salt()).isEqualTo(salt);
  }
}
