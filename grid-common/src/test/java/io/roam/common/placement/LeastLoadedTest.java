package io.roam.common.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LeastLoadedTest {
  @Test
  void countsTheNewJobItself() {
    // An idle node of capacity 1 against one of capacity 4 running a job: 1 / 1 against 2 / 4.
    int[] jobs = {0, 1};
    double[] capacity = {1, 4};
    assertThat(LeastLoaded.choose(2, i -> jobs[i], i -> capacity[i], new SplittableRandom(1)))
        .isEqualTo(1);
  }

  @Test
  void idleNodesAreRankedByCapacity() {
    int[] jobs = {0, 0, 0};
    double[] capacity = {1, 4, 2};
    assertThat(LeastLoaded.choose(3, i -> jobs[i], i -> capacity[i], new SplittableRandom(1)))
        .isEqualTo(1);
  }

  @Test
  void tiesAreDrawnAtRandomAndNoNodeIsNoChoice() {
    SplittableRandom random = new SplittableRandom(3);
    Set<Integer> chosen = new HashSet<>();
    for (int k = 0; k < 50; k++) {
      chosen.add(LeastLoaded.choose(3, i -> 2, i -> 1.0, random));
    }
    assertThat(chosen).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(LeastLoaded.choose(0, i -> 0, i -> 1.0, random)).isEqualTo(-1);
  }
}
