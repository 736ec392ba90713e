package io.roam.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.agent.placement.GuestEviction.Decision;
import io.roam.agent.placement.GuestEviction.Resident;
import io.roam.agent.placement.GuestEviction.Situation;
import io.roam.common.id.JobId;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuestEvictionTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration HOLD = Duration.ofSeconds(3);
  static final GuestEviction EVICTION = new GuestEviction(HOLD, InstantSource.fixed(NOW));

  static Resident local(long n, int runnable) {
    return new Resident(JobId.ofNumber(n), false, runnable, NOW.minusSeconds(100));
  }

  static Resident guest(long n, int arrivedSecondsAgo) {
    return new Resident(JobId.ofNumber(n), true, 0, NOW.minusSeconds(arrivedSecondsAgo));
  }

  static Optional<Instant> since(int secondsAgo) {
    return Optional.of(NOW.minusSeconds(secondsAgo));
  }

  @Test
  void guestsStayWhileLocalWorkFitsOrThereIsNone() {
    // 2 cores: one runnable local job and one guest fit.
    Decision fits =
        EVICTION.decide(new Situation(2, List.of(local(1, 1), guest(2, 50)), since(60)));
    assertThat(fits.sendAway()).isEmpty();
    assertThat(fits.pressureSince()).isEmpty();
    // Guests alone, however many, crowd out no local work; a sleeping local job wants no core.
    Decision none =
        EVICTION.decide(
            new Situation(
                1, List.of(local(1, 0), guest(2, 50), guest(3, 40), guest(4, 30)), since(60)));
    assertThat(none.sendAway()).isEmpty();
    assertThat(none.pressureSince()).isEmpty();
  }

  @Test
  void pressureMustLastTheHoldBeforeGuestsAreSentAway() {
    Situation crowded = new Situation(2, List.of(local(1, 1), local(2, 1), guest(3, 50)), since(0));
    Decision first = EVICTION.decide(new Situation(2, crowded.jobs(), Optional.empty()));
    assertThat(first.sendAway()).isEmpty();
    assertThat(first.pressureSince()).contains(NOW);

    Decision early = EVICTION.decide(new Situation(2, crowded.jobs(), since(2)));
    assertThat(early.sendAway()).isEmpty();
    assertThat(early.pressureSince()).isEqualTo(since(2));

    Decision due = EVICTION.decide(new Situation(2, crowded.jobs(), since(3)));
    assertThat(due.sendAway()).containsExactly(JobId.ofNumber(3));
    // The clock starts again: the next wave waits for the node as these moves leave it.
    assertThat(due.pressureSince()).contains(NOW);
  }

  @Test
  void asManyAsTheExcessGoTheMostRecentlyArrivedFirst() {
    // 3 cores, 2 runnable local jobs (one job with two threads), 4 guests: 3 too many.
    List<Resident> jobs =
        List.of(local(1, 2), guest(2, 300), guest(3, 10), guest(4, 100), guest(5, 200));
    assertThat(EVICTION.decide(new Situation(3, jobs, since(10))).sendAway())
        .containsExactly(JobId.ofNumber(3), JobId.ofNumber(4), JobId.ofNumber(5));
    // 5 cores: only 1 too many.
    assertThat(EVICTION.decide(new Situation(5, jobs, since(10))).sendAway())
        .containsExactly(JobId.ofNumber(3));
    // Never more than the guests there are.
    assertThat(
            EVICTION
                .decide(new Situation(1, List.of(local(1, 8), guest(2, 5)), since(10)))
                .sendAway())
        .containsExactly(JobId.ofNumber(2));
  }

  @Test
  void aNodeWhoseLocalJobsWouldWaitTakesNoMoreGuests() {
    assertThat(GuestEviction.wouldCrowd(new Situation(2, List.of(local(1, 1)), Optional.empty())))
        .isFalse();
    assertThat(
            GuestEviction.wouldCrowd(
                new Situation(2, List.of(local(1, 1), guest(2, 5)), Optional.empty())))
        .isTrue();
    assertThat(GuestEviction.wouldCrowd(new Situation(2, List.of(local(1, 2)), Optional.empty())))
        .isTrue();
    // Without runnable local work, guests crowd out no one.
    assertThat(
            GuestEviction.wouldCrowd(
                new Situation(1, List.of(local(1, 0), guest(2, 5)), Optional.empty())))
        .isFalse();
  }

  @Test
  void badInputIsRefusedClearly() {
    assertThatThrownBy(() -> new Situation(0, List.of(), Optional.empty()))
        .hasMessageContaining("cores");
    assertThatThrownBy(() -> new Resident(JobId.ofNumber(1), true, -1, NOW))
        .hasMessageContaining("runnable");
    assertThatThrownBy(() -> new GuestEviction(Duration.ofSeconds(-1), InstantSource.fixed(NOW)))
        .hasMessageContaining("hold");
  }
}
