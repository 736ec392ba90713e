package io.roam.manager.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventLogTest {
  private final EventLog log = new EventLog("e1", 3);
  private final List<Long> heard = new ArrayList<>();

  private void publish(long... seqs) {
    for (long s : seqs) {
      log.accept(new GridEvent(s, "job.changed", "j" + s, null, null));
    }
  }

  private static List<Long> seqs(List<GridEvent> events) {
    return events.stream().map(GridEvent::seq).toList();
  }

  @Test
  void aNewClientStartsAtTheNewestEventAndHearsWhatFollows() throws Exception {
    publish(1, 2);

    EventLog.Subscription s = log.subscribe(Optional.empty(), e -> heard.add(e.seq()));
    publish(3);

    assertThat(s.missed()).isEmpty();
    assertThat(s.reload()).isNull();
    assertThat(s.position()).isEqualTo("e1-2");
    assertThat(heard).containsExactly(3L);
    s.handle().close();
    publish(4);
    assertThat(heard).containsExactly(3L);
    assertThat(log.subscribers()).isZero();
  }

  @Test
  void aClientResumesAfterItsLastEventWithoutGapOrRepeat() {
    publish(1, 2, 3);

    EventLog.Subscription s = log.subscribe(Optional.of("e1-1"), e -> heard.add(e.seq()));
    publish(4);

    assertThat(seqs(s.missed())).containsExactly(2L, 3L);
    assertThat(s.reload()).isNull();
    assertThat(heard).containsExactly(4L);
    assertThat(log.subscribe(Optional.of("e1-4"), e -> {}).missed()).isEmpty();
    assertThat(log.id(s.missed().get(0))).isEqualTo("e1-2");
  }

  @Test
  void anIdOlderThanTheBufferFromAnotherEpochOrMalformedMeansReload() {
    publish(1, 2, 3, 4, 5);

    assertThat(log.subscribe(Optional.of("e1-2"), e -> {}).reload()).isNull();
    EventLog.Subscription old = log.subscribe(Optional.of("e1-1"), e -> {});
    assertThat(old.reload()).contains("older than the last 3 events");
    assertThat(old.missed()).isEmpty();
    assertThat(old.position()).isEqualTo("e1-5");
    assertThat(log.subscribe(Optional.of("e0-4"), e -> {}).reload()).contains("restarted");
    assertThat(log.subscribe(Optional.of("e1-9"), e -> {}).reload()).contains("not one of");
    assertThat(log.subscribe(Optional.of("nonsense"), e -> {}).reload()).contains("EPOCH-SEQ");
    assertThat(log.subscribe(Optional.of("e1-x"), e -> {}).reload()).contains("EPOCH-SEQ");
  }

  @Test
  void anEpochHasNoDashAndTheBufferHoldsSomething() {
    assertThatThrownBy(() -> new EventLog("a-b", 3)).hasMessageContaining("no '-'");
    assertThatThrownBy(() -> new EventLog("a", 0)).hasMessageContaining("at least 1");
    assertThat(EventLog.epochAt(36)).isEqualTo("10");
  }
}
