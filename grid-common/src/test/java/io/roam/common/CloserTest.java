package io.roam.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.lifecycle.Closer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
  @Test
  void closesLastStartedFirstOnceAndGoesOnPastAFailure() {
    List<String> closed = new ArrayList<>();
    Closer closer = new Closer();
    closer.register(() -> closed.add("store"));
    closer.register(
        () -> {
          closed.add("server");
          throw new IllegalStateException("boom");
        });
    closer.register(() -> closed.add("registration"));

    closer.close();
    closer.close();

    assertThat(closed).containsExactly("registration", "server", "store");
    assertThat(closer.failures())
        .singleElement()
        .extracting(Exception::getMessage)
        .isEqualTo("boom");
  }
}
