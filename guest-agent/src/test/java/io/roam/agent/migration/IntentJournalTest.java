package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntentJournalTest {
  @TempDir Path state;

  private static MigrationIntent intent(MigrationIntent.Side side) {
    return new MigrationIntent(
        side,
        JobId.of("j3"),
        NodeId.of("c1-n1"),
        NodeId.of("c2-n1"),
        "a1",
        MigrationIntent.Phase.FREEZING,
        Path.of("/state/migrations/j3-a1/images"),
        42,
        777,
        43,
        Instant.parse("2026-12-06T08:00:00Z"));
  }

  @Test
  void intentsAreReplacedWholeAndRemovedPerSide() throws Exception {
    IntentJournal journal = new IntentJournal(state);
    MigrationIntent source = intent(MigrationIntent.Side.SOURCE);
    journal.write(source);
    journal.write(intent(MigrationIntent.Side.TARGET));
    MigrationIntent dumped = source.at(MigrationIntent.Phase.DUMPED, 42, 777, 43);
    journal.write(dumped);

    assertThat(journal.all())
        .containsExactlyInAnyOrder(dumped, intent(MigrationIntent.Side.TARGET));
    try (var files = Files.list(journal.dir())) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .as("no temporary file left")
          .allMatch(n -> n.endsWith(".intent"));
    }

    journal.remove(MigrationIntent.Side.SOURCE, JobId.of("j3"));
    assertThat(journal.all()).containsExactly(intent(MigrationIntent.Side.TARGET));
  }

  @Test
  void aDamagedIntentIsLeftAloneAndTheOthersAreRead() throws Exception {
    IntentJournal journal = new IntentJournal(state);
    journal.write(intent(MigrationIntent.Side.SOURCE));
    Files.writeString(journal.dir().resolve("target-j9.intent"), "side=TARGET\njob=j9\n");

    assertThat(journal.all()).containsExactly(intent(MigrationIntent.Side.SOURCE));
    assertThat(journal.dir().resolve("target-j9.intent")).exists();
    journal.remove(MigrationIntent.Side.SOURCE, io.roam.common.id.JobId.of("j3"));
    assertThat(journal.isEmpty()).as("the damaged one still counts").isFalse();
  }
}
