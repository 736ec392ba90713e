package io.roam.agent.checkpoint;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes CRIU's {@code stats-dump} and {@code stats-restore} files.
 *
 * <p>Each is a CRIU image: two little-endian 32-bit magics (the service-image magic and the stats
 * magic), a little-endian 32-bit length, then one protobuf {@code stats_entry} message whose field
 * 1 is a {@code dump_stats_entry} and field 2 a {@code restore_stats_entry} (CRIU's
 * images/stats.proto). Times are in microseconds. Only varint and length-delimited fields occur;
 * other wire types are skipped, so fields added by later CRIU versions do no harm.
 */
final class CriuStats {
  static final int SERVICE_MAGIC = 0x55105940;
  static final int STATS_MAGIC = 0x57093306;

  private CriuStats() {}

  static DumpStats decodeDump(byte[] file) {
    Map<Integer, Long> f = fields(entry(file, 1, "stats-dump"));
    return new DumpStats(
        micros(f, 1),
        micros(f, 2),
        micros(f, 3),
        micros(f, 4),
        f.getOrDefault(5, 0L),
        f.getOrDefault(6, 0L),
        f.getOrDefault(7, 0L));
  }

  static RestoreStats decodeRestore(byte[] file) {
    Map<Integer, Long> f = fields(entry(file, 2, "stats-restore"));
    return new RestoreStats(micros(f, 3), micros(f, 4), f.getOrDefault(5, 0L));
  }

  private static Duration micros(Map<Integer, Long> fields, int number) {
    return Duration.ofNanos(fields.getOrDefault(number, 0L) * 1000);
  }

  /** The bytes of the sub-message {@code number} of the file's single stats_entry. */
  private static byte[] entry(byte[] file, int number, String what) {
    if (file.length < 12) {
      throw new IllegalArgumentException(what + " is too short (" + file.length + " bytes)");
    }
    if (le32(file, 0) != SERVICE_MAGIC || le32(file, 4) != STATS_MAGIC) {
      throw new IllegalArgumentException(what + " does not start with CRIU's stats magic");
    }
    int size = le32(file, 8);
    if (size < 0 || 12 + size > file.length) {
      throw new IllegalArgumentException(
          what + " is truncated: entry of " + size + " bytes, " + (file.length - 12) + " present");
    }
    Reader r = new Reader(file, 12, 12 + size);
    while (r.more()) {
      long key = r.varint();
      int field = (int) (key >>> 3);
      int type = (int) (key & 7);
      if (field == number && type == 2) {
        int len = (int) r.varint();
        return r.bytes(len);
      }
      r.skip(type);
    }
    throw new IllegalArgumentException(what + " holds no entry " + number);
  }

  private static Map<Integer, Long> fields(byte[] message) {
    Map<Integer, Long> out = new HashMap<>();
    Reader r = new Reader(message, 0, message.length);
    while (r.more()) {
      long key = r.varint();
      int field = (int) (key >>> 3);
      int type = (int) (key & 7);
      if (type == 0) {
        out.put(field, r.varint());
      } else {
        r.skip(type);
      }
    }
    return out;
  }

  private static int le32(byte[] b, int at) {
    return (b[at] & 0xff)
        | (b[at + 1] & 0xff) << 8
        | (b[at + 2] & 0xff) << 16
        | (b[at + 3] & 0xff) << 24;
  }

  private static final class Reader {
    private final byte[] buf;
    private final int end;
    private int pos;

    Reader(byte[] buf, int from, int end) {
      this.buf = buf;
      this.pos = from;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new IllegalArgumentException("truncated varint");
        }
        byte b = buf[pos++];
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    byte[] bytes(int len) {
      if (len < 0 || pos + len > end) {
        throw new IllegalArgumentException("truncated field of " + len + " bytes");
      }
      byte[] out = new byte[len];
      System.arraycopy(buf, pos, out, 0, len);
      pos += len;
      return out;
    }

    void skip(int type) {
      switch (type) {
        case 0 -> varint();
        case 1 -> advance(8);
        case 2 -> advance((int) varint());
        case 5 -> advance(4);
        default -> throw new IllegalArgumentException("unsupported protobuf wire type " + type);
      }
    }

    private void advance(int n) {
      if (n < 0 || pos + n > end) {
        throw new IllegalArgumentException("truncated field of " + n + " bytes");
      }
      pos += n;
    }
  }
}
