package io.roam.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SharedAnswersTest {
  private final AtomicInteger made = new AtomicInteger();
  private final List<ByteBuf> borrowed = new ArrayList<>();

  private Supplier<Buffer> answer(String text) {
    return () -> {
      made.incrementAndGet();
      return Buffer.buffer(text);
    };
  }

  private ByteBuf acquire(SharedAnswers answers, long generation, String key, String text) {
    ByteBuf b = answers.acquire(generation, key, answer(text));
    borrowed.add(b);
    return b;
  }

  private static String text(ByteBuf b) {
    return b.toString(b.readerIndex(), b.readableBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void anAnswerIsMadeOnceAGenerationAndSharedFromDirectMemory() {
    SharedAnswers answers = new SharedAnswers(8, 1 << 20);
    ByteBuf first = acquire(answers, 1, "k", "[1,2,3]");
    ByteBuf second = acquire(answers, 1, "k", "[changed]");

    assertThat(made).hasValue(1);
    assertThat(text(first)).isEqualTo("[1,2,3]");
    assertThat(text(second)).isEqualTo("[1,2,3]");
    assertThat(second.isDirect()).isTrue();
    // Reading one response's copy does not move the other's position.
    second.skipBytes(3);
    assertThat(text(acquire(answers, 1, "k", "x"))).isEqualTo("[1,2,3]");
    assertThat(made).hasValue(1);
  }

  @Test
  void aNewGenerationDropsWhatWasKeptOnceTheLastResponseIsDone() {
    SharedAnswers answers = new SharedAnswers(8, 1 << 20);
    ByteBuf inFlight = acquire(answers, 1, "k", "old");

    ByteBuf fresh = acquire(answers, 2, "k", "new");

    assertThat(text(fresh)).isEqualTo("new");
    assertThat(made).hasValue(2);
    // The cache let go of the old answer, but a response still being sent keeps it readable.
    assertThat(inFlight.refCnt()).isPositive();
    assertThat(text(inFlight)).isEqualTo("old");
    inFlight.release();
    assertThat(inFlight.refCnt()).isZero();
    assertThat(answers.size()).isEqualTo(1);
  }

  @Test
  void aRequestThatReadAnEarlierGenerationIsAnsweredAfreshWithoutDroppingTheLaterOne() {
    SharedAnswers answers = new SharedAnswers(8, 1 << 20);
    acquire(answers, 5, "k", "five");

    ByteBuf late = acquire(answers, 4, "k", "four");
    ByteBuf current = acquire(answers, 5, "k", "other");

    assertThat(text(late)).isEqualTo("four");
    assertThat(text(current)).isEqualTo("five");
    assertThat(made).hasValue(2);
    late.release();
    assertThat(late.refCnt()).as("an answer that was not kept is freed by its response").isZero();
  }

  @Test
  void answersBeyondTheLimitsAreSentButNotKept() {
    SharedAnswers answers = new SharedAnswers(2, 10);
    acquire(answers, 1, "a", "12345");
    acquire(answers, 1, "b", "1234567890123"); // over the byte budget
    acquire(answers, 1, "c", "12345");
    acquire(answers, 1, "d", "1"); // over the entry limit

    assertThat(answers.size()).isEqualTo(2);
    ByteBuf again = acquire(answers, 1, "b", "1234567890123");
    assertThat(text(again)).isEqualTo("1234567890123");
    assertThat(made).hasValue(5);
    again.release();
    assertThat(again.refCnt()).isZero();
  }
}
