package io.roam.agent.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.JobId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArrivalsTest {
  @Test
  void countsAdmittedArrivalsUntilReleased() {
    Arrivals arrivals = new Arrivals();
    String first = Arrivals.key(JobId.ofNumber(1), "a1");
    String second = Arrivals.key(JobId.ofNumber(2), "a2");
    assertThat(arrivals.admit(first, 100, p -> Optional.empty())).isEmpty();
    assertThat(arrivals.admit(second, 50, p -> Optional.empty())).isEmpty();
    assertThat(arrivals.now()).isEqualTo(new Arrivals.Pending(2, 150));
    arrivals.release(first);
    assertThat(arrivals.now()).isEqualTo(new Arrivals.Pending(1, 50));
    arrivals.release(second);
    assertThat(arrivals.now()).isEqualTo(Arrivals.Pending.NONE);
  }

  @Test
  void theCheckSeesTheOthersOnTheirWayAndARefusalCountsNothing() {
    Arrivals arrivals = new Arrivals();
    List<Arrivals.Pending> seen = new ArrayList<>();
    arrivals.admit("j1/a", 10, p -> Optional.empty());
    Optional<String> refused =
        arrivals.admit(
            "j2/a",
            20,
            p -> {
              seen.add(p);
              return Optional.of("busy");
            });
    assertThat(refused).contains("busy");
    assertThat(seen).containsExactly(new Arrivals.Pending(1, 10));
    assertThat(arrivals.now()).isEqualTo(new Arrivals.Pending(1, 10));
  }
}
