package io.roam.common.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LocalNodeLimitsTest {
  @Test
  void noFiguresMeanNoLimits() {
    LocalNodeLimits limits = LocalNodeLimits.parse(null, false, null, 4);
    assertThat(limits).isEqualTo(LocalNodeLimits.NONE);
    assertThat(limits.any()).isFalse();
    assertThat(limits.cpu(3)).isZero();
    assertThat(limits.memory(3)).isZero();
  }

  @Test
  void oneCpuFigurePerNodeInOrder() {
    LocalNodeLimits limits = LocalNodeLimits.parse("0.5, 1,1,2", false, null, 4);
    assertThat(limits.cpus()).containsExactly(0.5, 1.0, 1.0, 2.0);
    assertThat(limits.cpu(0)).isEqualTo(0.5);
    assertThat(limits.memoryMb()).isEmpty();
  }

  @Test
  void unequalRepeatsThePreset() {
    assertThat(LocalNodeLimits.parse(null, true, null, 6).cpus())
        .containsExactly(0.25, 0.5, 0.25, 1.0, 0.25, 0.5);
  }

  @Test
  void oneMemoryFigureServesEveryNode() {
    assertThat(LocalNodeLimits.parse(null, false, "256", 3).memoryMb())
        .containsExactly(256L, 256L, 256L);
    assertThat(LocalNodeLimits.parse(null, false, "64,128", 2).memoryMb())
        .containsExactly(64L, 128L);
  }

  @Test
  void theWrongNumberOfFiguresIsRefused() {
    assertThatThrownBy(() -> LocalNodeLimits.parse("0.5,1", false, null, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--cpu needs one figure per node (4 nodes")
        .hasMessageContaining("not 2");
    assertThatThrownBy(() -> LocalNodeLimits.parse(null, false, "64,64", 3))
        .hasMessageContaining("--memory-mb needs one figure for all nodes or one per node (3)");
  }

  @Test
  void badFiguresAreNamed() {
    assertThatThrownBy(() -> LocalNodeLimits.parse("0.5,x,0,NaN", false, null, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'x' is not a number of cores")
        .hasMessageContaining("'0' must be between 0.01 and 1024 cores")
        .hasMessageContaining("'NaN' must be between");
    assertThatThrownBy(() -> LocalNodeLimits.parse("1,,1", false, null, 3))
        .hasMessageContaining("'' is not a number of cores");
    assertThatThrownBy(() -> LocalNodeLimits.parse("-1", false, null, 1))
        .hasMessageContaining("'-1' must be between");
    assertThatThrownBy(() -> LocalNodeLimits.parse(null, false, "4", 1))
        .hasMessageContaining("'4' must be at least 8");
    assertThatThrownBy(() -> LocalNodeLimits.parse(null, false, "1.5", 1))
        .hasMessageContaining("'1.5' is not a whole number of MiB");
  }

  @Test
  void cpuAndUnequalTogetherAreRefused() {
    assertThatThrownBy(() -> LocalNodeLimits.parse("1", true, null, 1))
        .hasMessage("give either --cpu or --unequal, not both");
  }

  @Test
  void joinReadsBackThroughParse() {
    LocalNodeLimits limits = LocalNodeLimits.parse("0.25,2", false, "64", 2);
    assertThat(
            LocalNodeLimits.parse(
                LocalNodeLimits.join(limits.cpus()),
                false,
                LocalNodeLimits.join(limits.memoryMb()),
                2))
        .isEqualTo(limits);
    assertThat(LocalNodeLimits.join(List.of())).isNull();
  }
}
