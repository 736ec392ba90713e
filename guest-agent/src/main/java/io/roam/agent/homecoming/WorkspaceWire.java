package io.roam.agent.homecoming;

import io.roam.agent.transfer.SealedChannel;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The connection that brings an ended job's files home. It shares the migration port and its
 * sealing, but has its own magic string, message types and key derivation labels, so a workspace
 * stream can never be read as a migration (its keys differ) and a migration's frames can never be
 * taken for a workspace.
 *
 * <pre>
 * away -> home, clear:  MAGIC, job, away node, home node, attempt, 32-byte salt
 * away -> home, sealed: RETURN, size of the files
 * home -> away, sealed: ACCEPT | REFUSED reason (final) | FAILED reason (try later)
 * away -> home, sealed: the tree "job", end of archive
 * home -> away, sealed: STORED (the record says returnedHome) | REFUSED reason | FAILED reason
 * </pre>
 */
final class WorkspaceWire {
  // 2: sealed with AES-256-GCM (1: ChaCha20-Poly1305); the two refuse each other.
  static final String MAGIC = "ROAM-WORKSPACE-2";
  static final byte RETURN = 'W';
  static final byte ACCEPT = 'a';
  static final byte STORED = 'S';
  static final byte REFUSED = 'R';
  static final byte FAILED = 'F';
  static final String TO_HOME = "workspace-away-to-home";
  static final String FROM_HOME = "workspace-home-to-away";

  private WorkspaceWire() {}

  record Header(String job, String away, String home, String attempt, byte[] salt) {
    void write(DataOutputStream out) throws IOException {
      out.writeUTF(MAGIC);
      out.writeUTF(job);
      out.writeUTF(away);
      out.writeUTF(home);
      out.writeUTF(attempt);
      out.write(salt);
      out.flush();
    }

    /** Reads the header after its magic string (read by the port's dispatcher). */
    static Header read(DataInputStream in) throws IOException {
      String job = in.readUTF();
      String away = in.readUTF();
      String home = in.readUTF();
      String attempt = in.readUTF();
      byte[] salt = new byte[32];
      in.readFully(salt);
      return new Header(job, away, home, attempt, salt);
    }

    SealedChannel.Keys keys(byte[] secret, String direction) {
      return SealedChannel.derive(
          secret, salt, direction, "workspace|" + job + "|" + away + "|" + home + "|" + attempt);
    }
  }

  static byte[] secretBytes(String secret) {
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  static void message(DataOutputStream out, byte type, String text) throws IOException {
    out.writeByte(type);
    out.writeUTF(text == null ? "" : text.length() > 2000 ? text.substring(0, 2000) : text);
    out.flush();
  }
}
