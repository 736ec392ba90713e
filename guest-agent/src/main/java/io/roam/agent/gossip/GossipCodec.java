package io.roam.agent.gossip;

import io.roam.common.id.NodeId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The wire form of a gossip message: compact binary, big-endian, bounded in size.
 *
 * <pre>
 * magic "RG" | version u8 | grid str | sender str | count u8 | count x entry
 * entry = node str | runnable f64 | jobs i32 | speed f64 | free i64 | total i64 | age i32
 * str   = length u8 | US-ASCII bytes
 * </pre>
 *
 * Decoding refuses, and counts, messages that are larger than the bound, malformed (bad magic,
 * version, lengths, ids or figures, trailing bytes) or from another grid. Thread-safe.
 */
public final class GossipCodec {
  public static final int DEFAULT_MAX_BYTES = 4096;
  public static final int MAX_ENTRIES = 255;
  static final byte MAGIC_0 = 'R';
  static final byte MAGIC_1 = 'G';
  static final byte VERSION = 1;

  private final String grid;
  private final int maxBytes;
  private final LongAdder malformed = new LongAdder();
  private final LongAdder oversized = new LongAdder();
  private final LongAdder foreign = new LongAdder();

  /** What was refused so far. */
  public record Refusals(long malformed, long oversized, long foreignGrid) {
    public long total() {
      return malformed + oversized + foreignGrid;
    }
  }

  public GossipCodec(String grid) {
    this(grid, DEFAULT_MAX_BYTES);
  }

  public GossipCodec(String grid, int maxBytes) {
    this.grid = Objects.requireNonNull(grid, "grid");
    if (grid.isEmpty()
        || grid.length() > 64
        || !StandardCharsets.US_ASCII.newEncoder().canEncode(grid)) {
      throw new IllegalArgumentException("grid name must be 1 to 64 ASCII characters: " + grid);
    }
    if (maxBytes < 64) {
      throw new IllegalArgumentException("maxBytes must be >= 64, not " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  public int maxBytes() {
    return maxBytes;
  }

  /**
   * Encodes a window from this grid.
   *
   * @throws IllegalArgumentException when it has too many entries or would exceed the bound
   */
  public byte[] encode(NodeId sender, List<LoadEntry> entries) {
    if (entries.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "a message carries at most " + MAX_ENTRIES + " entries, not " + entries.size());
    }
    byte[] gridBytes = grid.getBytes(StandardCharsets.US_ASCII);
    byte[] senderBytes = ascii(sender);
    int size = 2 + 1 + 1 + gridBytes.length + 1 + senderBytes.length + 1;
    byte[][] names = new byte[entries.size()][];
    for (int i = 0; i < names.length; i++) {
      names[i] = ascii(entries.get(i).node());
      size += 1 + names[i].length + 8 + 4 + 8 + 8 + 8 + 4;
    }
    if (size > maxBytes) {
      throw new IllegalArgumentException(
          "message of " + size + " bytes exceeds the bound of " + maxBytes);
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(MAGIC_0).put(MAGIC_1).put(VERSION);
    out.put((byte) gridBytes.length).put(gridBytes);
    out.put((byte) senderBytes.length).put(senderBytes);
    out.put((byte) entries.size());
    for (int i = 0; i < names.length; i++) {
      LoadEntry e = entries.get(i);
      out.put((byte) names[i].length).put(names[i]);
      out.putDouble(e.runnable());
      out.putInt(e.jobs());
      out.putDouble(e.speed());
      out.putLong(e.freeMemoryBytes());
      out.putLong(e.totalMemoryBytes());
      out.putInt(e.age());
    }
    return out.array();
  }

  public Optional<GossipMessage> decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /** Decodes a message, or counts why it was refused and returns empty. */
  public Optional<GossipMessage> decode(byte[] bytes, int offset, int length) {
    if (length > maxBytes) {
      oversized.increment();
      return Optional.empty();
    }
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
      if (in.get() != MAGIC_0 || in.get() != MAGIC_1 || in.get() != VERSION) {
        malformed.increment();
        return Optional.empty();
      }
      String from = string(in);
      NodeId sender = NodeId.of(string(in));
      int count = Byte.toUnsignedInt(in.get());
      List<LoadEntry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        NodeId node = NodeId.of(string(in));
        double runnable = in.getDouble();
        int jobs = in.getInt();
        double speed = in.getDouble();
        long free = in.getLong();
        long total = in.getLong();
        int age = in.getInt();
        entries.add(new LoadEntry(node, runnable, jobs, speed, free, total, age));
      }
      if (in.hasRemaining()) {
        malformed.increment();
        return Optional.empty();
      }
      if (!from.equals(grid)) {
        foreign.increment();
        return Optional.empty();
      }
      return Optional.of(new GossipMessage(from, sender, entries));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      malformed.increment();
      return Optional.empty();
    }
  }

  public Refusals refusals() {
    return new Refusals(malformed.sum(), oversized.sum(), foreign.sum());
  }

  private static String string(ByteBuffer in) {
    int n = Byte.toUnsignedInt(in.get());
    byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.US_ASCII);
  }

  private static byte[] ascii(NodeId node) {
    return node.value().getBytes(StandardCharsets.US_ASCII);
  }
}
