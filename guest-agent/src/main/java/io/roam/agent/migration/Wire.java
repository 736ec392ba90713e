package io.roam.agent.migration;

import io.roam.agent.placement.Move;
import io.roam.agent.transfer.SealedChannel;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The migration connection between two agents (one TCP connection per migration).
 *
 * <pre>
 * source -> target, clear:  MAGIC, job, source node, target node, attempt, 32-byte salt
 * source -> target, sealed: OFFER | BALANCE terms, pieces of the page images sent while CRIU still writes them,
 *                         then the trees "job" and "images" (of the images, what was not sent
 *                         yet), then end of archive
 * target -> source, sealed: PREPARED (restored, stopped) | FAILED reason
 * source -> target, sealed: COMMIT (the job's record names the target now) | ABORT
 * target -> source, sealed: DONE (running there) | FAILED reason
 * </pre>
 *
 * A checkpoint sent to the job's home node for keeping uses the same header and keys, but another
 * first frame:
 *
 * <pre>
 * source -> home, sealed: CHECKPOINT, taken-at (epoch ms), frozen (ms), the trees "job" and
 *                         "images", end of archive
 * home -> source, sealed: STORED (kept as the job's latest) | FAILED reason
 * </pre>
 *
 * A balancing move opens with BALANCE instead of OFFER, followed by the terms the target consents
 * on (reason, memory bytes, expected remaining CPU seconds, expected completion where the job is,
 * in seconds); the rest is as for OFFER. An agent of this version that predates BALANCE refuses it
 * as a protocol error, which leaves the job where it is, as a refusal would.
 *
 * <p>The header is bound into the keys, so changing any of it makes the sealed parts unreadable.
 * The magic names the protocol version: version 2 seals with AES-256-GCM (version 1:
 * ChaCha20-Poly1305); version 3 also sends the page images in pieces during the dump. Agents of
 * different versions refuse each other's connections.
 */
final class Wire {
  static final String MAGIC = "ROAM-MIGRATE-3";
  static final byte OFFER = 'O';
  static final byte BALANCE = 'B';
  static final byte PREPARED = 'P';
  static final byte FAILED = 'F';
  static final byte COMMIT = 'C';
  static final byte ABORT = 'A';
  static final byte DONE = 'D';
  static final byte CHECKPOINT = 'K';
  static final byte STORED = 'S';
  static final String TO_TARGET = "source-to-target";
  static final String TO_SOURCE = "target-to-source";

  private Wire() {}

  record Header(String job, String source, String target, String attempt, byte[] salt) {
    void write(DataOutputStream out) throws IOException {
      out.writeUTF(MAGIC);
      out.writeUTF(job);
      out.writeUTF(source);
      out.writeUTF(target);
      out.writeUTF(attempt);
      out.write(salt);
      out.flush();
    }

    static Header read(DataInputStream in) throws IOException {
      return read(in.readUTF(), in);
    }

    /** Reads the rest of a header whose magic string was read already. */
    static Header read(String magic, DataInputStream in) throws IOException {
      if (!MAGIC.equals(magic)) {
        throw new IOException(
            magic.startsWith("ROAM-MIGRATE-")
                ? "the peer speaks migration protocol "
                    + magic
                    + ", this agent "
                    + MAGIC
                    + ": agents of different versions cannot move jobs between them"
                : "not a Roam migration connection");
      }
      String job = in.readUTF();
      String source = in.readUTF();
      String target = in.readUTF();
      String attempt = in.readUTF();
      byte[] salt = new byte[32];
      in.readFully(salt);
      return new Header(job, source, target, attempt, salt);
    }

    String context() {
      return job + "|" + source + "|" + target + "|" + attempt;
    }

    SealedChannel.Keys keys(byte[] secret, String direction) {
      return SealedChannel.derive(secret, salt, direction, context());
    }
  }

  /** What a balancing move tells its target, for its consent. */
  static void writeTerms(DataOutputStream out, Move move) throws IOException {
    out.writeByte(move.reason() == Move.Reason.MEMORY ? 'M' : 'L');
    out.writeLong(move.memoryBytes());
    out.writeDouble(move.expectedRemaining());
    out.writeDouble(move.completionHere());
  }

  /** The terms of a balancing move of {@code job} to {@code target}. */
  static Move readTerms(DataInputStream in, JobId job, NodeId target) throws IOException {
    byte reason = in.readByte();
    long memory = in.readLong();
    double remaining = in.readDouble();
    double here = in.readDouble();
    if ((reason != 'M' && reason != 'L')
        || memory < 0
        || !Double.isFinite(remaining)
        || remaining < 0
        || !Double.isFinite(here)
        || here < 0) {
      throw new IOException("malformed terms of a balancing move");
    }
    return new Move(
        job,
        target,
        reason == 'M' ? Move.Reason.MEMORY : Move.Reason.LOAD,
        0,
        memory,
        remaining,
        here);
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
