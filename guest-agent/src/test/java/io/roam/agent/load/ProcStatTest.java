package io.roam.agent.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatTest {
  @Test
  void readsStateCpuAndResidentMemoryEvenWithAnAwkwardName() {
    String line =
        "4242 (my (odd) prog) R 1 4242 4242 0 -1 4194304 100 0 0 0 150 50 0 0 20 0 3 0 12345"
            + " 100000000 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

    ProcStat stat = ProcStat.parse(line).orElseThrow();

    assertThat(stat.state()).isEqualTo('R');
    assertThat(stat.ppid()).isEqualTo(1);
    assertThat(stat.cpuTicks()).isEqualTo(200);
    assertThat(stat.rssPages()).isEqualTo(2048);
  }

  @Test
  void nonsenseIsNotAStat() {
    assertThat(ProcStat.parse("garbage")).isEmpty();
    assertThat(ProcStat.parse("1 (x) S 1 2")).isEmpty();
    assertThat(ProcStat.parse("1 (x) S one 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1 1 9")).isEmpty();
  }

  @Test
  void aBusyProcessOfOurOwnIsSeenRunning() throws Exception {
    Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try {
      int seen = 0;
      for (int i = 0; i < 50 && seen == 0; i++) {
        seen = LoadSampler.system().job(busy.pid()).runnable();
        Thread.sleep(20);
      }
      assertThat(seen).isEqualTo(1);
      long[] mem = LoadSampler.system().memory();
      assertThat(mem[1]).isPositive();
      assertThat(mem[0]).isBetween(1L, mem[1]);
    } finally {
      busy.destroyForcibly();
    }
  }
}
