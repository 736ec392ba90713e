package io.roam.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Answers kept while what they were computed from stays the same (one generation of it), each in
 * one direct buffer that every response sending it shares.
 *
 * <p>Why direct memory: the socket writes only from direct memory, so a heap answer is copied into
 * a freshly allocated (and zeroed) direct buffer for every response; for a listing of 10,000 jobs
 * (3 MB) that copy was a third of the server's work per request. A shared answer is counted: the
 * cache holds one reference, each response in flight another, released once the response is written
 * or has failed, so an answer dropped at a new generation is freed when its last response is done
 * and never while one is being sent.
 */
public final class SharedAnswers {
  private final int maxEntries;
  private final long maxBytes;
  private final Map<String, ByteBuf> answers = new HashMap<>();
  private long generation = Long.MIN_VALUE;
  private long bytes;

  /**
   * @param maxEntries how many answers to keep at most
   * @param maxBytes how many bytes of answers to keep at most; larger answers are sent, not kept
   */
  public SharedAnswers(int maxEntries, long maxBytes) {
    if (maxEntries < 0 || maxBytes < 0) {
      throw new IllegalArgumentException("maxEntries and maxBytes must not be negative");
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /**
   * The answer to {@code key} at {@code generation}: the kept one, or {@code make}'s (computed
   * without holding the cache, and kept if it fits). The caller owns one reference to it: {@link
   * #send} releases it, or call {@code release()}. Generations only grow: a later one drops every
   * kept answer, an earlier one (a request that read it just before the change) is answered afresh.
   */
  public ByteBuf acquire(long generation, String key, Supplier<Buffer> make) {
    synchronized (this) {
      if (generation > this.generation) {
        moveTo(generation);
      }
      ByteBuf kept = generation == this.generation ? answers.get(key) : null;
      if (kept != null) {
        return kept.retainedDuplicate();
      }
    }
    ByteBuf made = ((BufferInternal) make.get()).getByteBuf();
    ByteBuf answer = Unpooled.directBuffer(made.readableBytes()).writeBytes(made);
    synchronized (this) {
      if (generation == this.generation
          && !answers.containsKey(key)
          && answers.size() < maxEntries
          && bytes + answer.readableBytes() <= maxBytes) {
        answers.put(key, answer.retain());
        bytes += answer.readableBytes();
      }
    }
    return answer;
  }

  /** Ends the response with the answer and releases the caller's reference once it is sent. */
  public static Future<Void> send(HttpServerResponse response, ByteBuf answer) {
    Future<Void> sent;
    try {
      // Sent through a view of its own: writing moves a buffer's read index (the kept answer's
      // must not move: other responses read it) and the transport may release what it wrote
      // (HTTP/2 does); the view ignores releases, and the caller's reference goes once it is sent.
      sent = response.end(BufferInternal.buffer(Unpooled.unreleasableBuffer(answer.duplicate())));
    } catch (RuntimeException e) {
      answer.release();
      throw e;
    }
    return sent.andThen(done -> answer.release());
  }

  /** How many answers are kept now. */
  public synchronized int size() {
    return answers.size();
  }

  private void moveTo(long next) {
    answers.values().forEach(ByteBuf::release);
    answers.clear();
    bytes = 0;
    generation = next;
  }
}
