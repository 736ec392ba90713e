package io.roam.manager.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.common.api.AgentMigrateRequest;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.ClusterState;
import io.roam.common.model.JobRecord;
import io.roam.common.model.MigrationOutcome;
import io.roam.common.model.NodeRecord;
import io.roam.common.model.OperationRecord;
import io.roam.common.model.OperationRecord.ItemState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine against an in-memory store and a scripted mover: how many moves run at once. */
class OperationEngineTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ClusterId C1 = ClusterId.of("c1");
  private static final ClusterId C2 = ClusterId.of("c2");
  private static final int ENGINE_DEFAULT = 2;

  private record Call(NodeId source, JobId job, AgentMigrateRequest request) {}

  private final MemoryGridStore store = new MemoryGridStore();
  private final List<Call> calls = new ArrayList<>();
  private boolean leading = true;
  private OperationEngine engine;

  @BeforeEach
  void grid() {
    for (ClusterId c : List.of(C1, C2)) {
      store.ensureCluster(new ClusterRecord(c, "owner-" + c, ClusterState.ATTACHED, T0));
      for (int n = 1; n <= 2; n++) {
        store.registerNode(
            new NodeRecord(
                NodeId.of(c + "-n" + n), c, "127.0.0.1", 1, 2, 1L << 30, 1.0, false, "t", T0, 1));
      }
    }
    engine =
        new OperationEngine(
            store,
            (source, job, request) -> calls.add(new Call(source.id(), job, request)),
            Clock.fixed(T0, ZoneOffset.UTC),
            new Random(7),
            ENGINE_DEFAULT,
            Duration.ofSeconds(10),
            () -> leading);
  }

  /** {@code k} jobs of c1 running as guests on c2's nodes. */
  private List<JobId> guestsOnC2(int k) {
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      JobId id = store.nextJobId();
      JobRecord j =
          JobRecord.pending(id, List.of("x"), NodeId.of("c1-n" + (1 + i % 2)), C1, T0)
              .started(T0)
              .movedTo(NodeId.of("c2-n" + (1 + i % 2)), null);
      store.createJob(j);
      ids.add(id);
    }
    return ids;
  }

  private OperationRecord detach(Integer parallel) {
    OperationRecord op =
        new OperationRecord(
            "detach-c2",
            OperationRecord.Kind.DETACH,
            C2,
            OperationRecord.State.RUNNING,
            T0,
            T0,
            null,
            null,
            List.of(),
            "planning",
            null,
            parallel);
    store.createOperation(op);
    return op;
  }

  /** The target records the migration's end, as a real one does. */
  private void finish(Call call) {
    store.updateJob(
        call.job(), j -> j.movedTo(call.request().target(), succeeded(call, j.node(), T0)));
  }

  /** A successful outcome of {@code call}'s attempt from {@code from}; no end yet if null. */
  private static MigrationOutcome succeeded(Call call, NodeId from, Instant endedAt) {
    return new MigrationOutcome(
        call.request().attempt(),
        from,
        call.request().target(),
        true,
        T0,
        endedAt,
        10,
        20,
        1000,
        null);
  }

  private OperationRecord stored(String id) {
    return store.operation(id).orElseThrow().value();
  }

  /** A listing (as the manager's read model) with the grid's clusters and nodes and no job yet. */
  private MemoryGridStore listing() {
    MemoryGridStore listing = new MemoryGridStore();
    store.clusters().forEach(listing::ensureCluster);
    store.nodes().forEach(listing::registerNode);
    return listing;
  }

  @Test
  void aJobThatAStaleListingShowsAwayIsNotMovedOnceItsRecordShowsItHome() {
    JobId id = guestsOnC2(1).get(0);
    MemoryGridStore listing = listing();
    listing.createJob(store.job(id).orElseThrow().value()); // as a guest on c2
    store.updateJob(id, j -> j.movedTo(j.home(), null)); // it came home; the listing lags
    engine.readingFrom(listing, store::operations);
    detach(2);

    engine.step();

    assertThat(calls).isEmpty();
    assertThat(stored("detach-c2").state()).isEqualTo(OperationRecord.State.RUNNING);

    listing.updateJob(id, j -> store.job(id).orElseThrow().value()); // the listing catches up
    engine.step();

    assertThat(calls).isEmpty();
    assertThat(stored("detach-c2").state()).isEqualTo(OperationRecord.State.DONE);
    assertThat(store.cluster(C2).orElseThrow().state()).isEqualTo(ClusterState.DETACHED);
  }

  @Test
  void aStaleListingThatShowsNothingToMoveDoesNotEndTheDetach() {
    guestsOnC2(1); // a guest the listing does not show yet
    engine.readingFrom(listing(), store::operations);
    detach(2);

    engine.step();

    assertThat(stored("detach-c2").state()).isEqualTo(OperationRecord.State.RUNNING);
    assertThat(store.cluster(C2).orElseThrow().state()).isEqualTo(ClusterState.DETACHING);
  }

  @Test
  void anOperationTheListingStillShowsRunningIsNotSteppedOnceItIsDone() {
    guestsOnC2(1);
    OperationRecord op = detach(2);
    store.compareAndSetOperation(
        op.with(OperationRecord.State.DONE, List.of(), "ended", T0),
        store.operation(op.id()).orElseThrow().version());
    engine.readingFrom(store, () -> List.of(op)); // the listing still shows it running

    engine.step();

    assertThat(calls).isEmpty();
    assertThat(stored("detach-c2").state()).isEqualTo(OperationRecord.State.DONE);
  }

  @Test
  void aNewOperationSteppedDirectlyStartsAndKeepsItsMovesBeforeTheListingShowsIt() {
    guestsOnC2(3);
    engine.readingFrom(store, List::of); // the listing shows no operation yet
    OperationRecord op = detach(2);

    engine.step(op);
    assertThat(calls).hasSize(2);
    String first = calls.get(0).request().attempt();
    engine.step(); // still not listed: stepped from the store, its moves still awaited

    assertThat(engine.waitsFor(first)).isTrue();
    assertThat(calls).hasSize(2);
    finish(calls.get(0));
    engine.step();
    assertThat(calls).hasSize(3);
  }

  @Test
  void theCallsOfAStepGoOutOnTheExecutorAndARefusedOneLeavesItsSlotToTheNextJob() {
    guestsOnC2(4);
    List<Runnable> queued = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger seen =
        new java.util.concurrent.atomic.AtomicInteger();
    engine =
        new OperationEngine(
                store,
                (source, job, request) -> {
                  if (seen.getAndIncrement() == 0) {
                    throw new IllegalStateException("refused");
                  }
                  calls.add(new Call(source.id(), job, request));
                },
                Clock.fixed(T0, ZoneOffset.UTC),
                new Random(7),
                ENGINE_DEFAULT,
                Duration.ofSeconds(10),
                () -> leading)
            .callingOn(
                r -> {
                  queued.add(r);
                  r.run();
                });
    detach(2);

    engine.step();

    assertThat(queued).hasSize(3); // two at once, then one more for the refused slot
    assertThat(calls).hasSize(2);
    assertThat(stored("detach-c2").count(ItemState.MOVING)).isEqualTo(2);
    assertThat(stored("detach-c2").count(ItemState.FAILED)).isEqualTo(1);
  }

  @Test
  void aDetachStartsAsManyMovesAsItsOwnSettingAllows() {
    guestsOnC2(5);
    detach(3);

    engine.step();

    assertThat(calls).hasSize(3);
    assertThat(stored("detach-c2").count(ItemState.MOVING)).isEqualTo(3);
    assertThat(stored("detach-c2").count(ItemState.PENDING)).isEqualTo(2);
    assertThat(stored("detach-c2").parallel()).isEqualTo(3);
  }

  @Test
  void aRecordWithoutTheSettingRunsAtTheConfiguredNumber() {
    guestsOnC2(5);
    detach(null);

    engine.step();
    engine.step(); // nothing ended: no more moves start

    assertThat(calls).hasSize(ENGINE_DEFAULT);
  }

  @Test
  void oneAtATimeEachEndedMoveFreesTheSlotForTheNextAndNoJobMovesTwice() {
    List<JobId> jobs = guestsOnC2(3);
    detach(1);

    engine.step();
    assertThat(calls).hasSize(1);
    String first = calls.get(0).request().attempt();
    assertThat(first).startsWith("d");
    assertThat(engine.waitsFor(first)).isTrue();

    for (int round = 0;
        round < 10 && stored("detach-c2").state() == OperationRecord.State.RUNNING;
        round++) {
      Call last = calls.get(calls.size() - 1);
      finish(last);
      engine.step();
      assertThat(engine.waitsFor(last.request().attempt())).isFalse();
      assertThat(stored("detach-c2").count(ItemState.MOVING)).isLessThanOrEqualTo(1);
    }

    assertThat(stored("detach-c2").state()).isEqualTo(OperationRecord.State.DONE);
    assertThat(store.cluster(C2).orElseThrow().state()).isEqualTo(ClusterState.DETACHED);
    Map<JobId, Long> perJob =
        calls.stream().collect(Collectors.groupingBy(Call::job, Collectors.counting()));
    assertThat(perJob).containsOnlyKeys(jobs).allSatisfy((job, n) -> assertThat(n).isEqualTo(1));
    assertThat(store.jobs()).allSatisfy(j -> assertThat(j.node()).isEqualTo(j.home()));
  }

  @Test
  void aStepTakesTheOperationAsItWroteItInsteadOfReadingItAgain() {
    guestsOnC2(3);
    detach(1);
    engine.step();
    int reads = store.operationReads;

    finish(calls.get(0));
    engine.step();
    finish(calls.get(1));
    engine.step();

    assertThat(store.operationReads).isEqualTo(reads);
    assertThat(calls).hasSize(3);
    assertThat(stored("detach-c2").count(ItemState.DONE)).isEqualTo(2);
    assertThat(stored("detach-c2").count(ItemState.MOVING)).isEqualTo(1);
  }

  @Test
  void anOperationWrittenByAnotherManagerMeanwhileIsReadAgainAndItsProgressKept() {
    List<JobId> jobs = guestsOnC2(2);
    detach(1);
    engine.step();
    // Another manager (a leader in between) writes the record: the version kept here is stale.
    var now = store.operation("detach-c2").orElseThrow();
    store.compareAndSetOperation(
        now.value().with(OperationRecord.State.RUNNING, now.value().items(), "elsewhere", T0),
        now.version());
    finish(calls.get(0));

    engine.step(); // its write finds another version: nothing of it lands, nothing is kept
    assertThat(stored("detach-c2").message()).isEqualTo("elsewhere");
    int reads = store.operationReads;
    engine.step();

    assertThat(store.operationReads).isGreaterThan(reads);
    OperationRecord op = stored("detach-c2");
    assertThat(op.items())
        .filteredOn(i -> i.job().equals(jobs.get(0)))
        .singleElement()
        .satisfies(i -> assertThat(i.state()).isEqualTo(ItemState.DONE));
    assertThat(op.count(ItemState.MOVING)).isEqualTo(1);
  }

  @Test
  void anEngineThatStoppedLeadingReadsTheOperationAgainOnceItLeads() {
    guestsOnC2(2);
    detach(1);
    engine.step();
    leading = false;
    engine.step();
    leading = true;
    int reads = store.operationReads;

    engine.step();

    assertThat(store.operationReads).isGreaterThan(reads);
  }

  @Test
  void aCommittedMoveFreesItsSlotBeforeItsEndIsRecorded() {
    List<JobId> jobs = guestsOnC2(2);
    detach(1);
    engine.step();
    Call first = calls.get(0);

    // The source's commit: the record names the target, the outcome has no end yet.
    store.updateJob(
        first.job(), j -> j.movedTo(first.request().target(), succeeded(first, j.node(), null)));
    engine.step();

    assertThat(engine.waitsFor(first.request().attempt())).isFalse();
    assertThat(calls).hasSize(2);
    assertThat(calls.get(1).job()).isNotEqualTo(first.job()).isIn(jobs);
  }

  @Test
  void aMoveNotYetCommittedKeepsItsSlot() {
    guestsOnC2(2);
    detach(1);
    engine.step();
    Call first = calls.get(0);

    // An outcome of this attempt that has not moved the record (as a refusal being written).
    store.updateJob(first.job(), j -> j.withLastMigration(succeeded(first, j.node(), null)));
    engine.step();

    assertThat(engine.waitsFor(first.request().attempt())).isTrue();
    assertThat(calls).hasSize(1);
  }

  @Test
  void anExpelRunsAtItsOwnSettingWithItsOwnAttemptPrefix() {
    guestsOnC2(4); // two of them on c2-n1
    store.createOperation(
        new OperationRecord(
            "expel-c2-n1",
            OperationRecord.Kind.EXPEL,
            C2,
            OperationRecord.State.RUNNING,
            T0,
            T0,
            null,
            null,
            List.of(),
            "expelling guests",
            NodeId.of("c2-n1"),
            1));

    engine.step();

    assertThat(calls)
        .singleElement()
        .satisfies(c -> assertThat(c.source().value()).isEqualTo("c2-n1"));
    assertThat(calls.get(0).request().attempt()).startsWith("x");
    assertThat(stored("expel-c2-n1").count(ItemState.PENDING)).isEqualTo(1);
  }

  @Test
  void aGuestWhoseNodeIsGoneWaitsWithTheReasonAndTakesNoSlot() {
    List<JobId> jobs = guestsOnC2(2); // one on c2-n1, one on c2-n2
    detach(1);
    engine.step();
    assertThat(calls).singleElement().extracting(Call::job).isEqualTo(jobs.get(0));

    store
        .registerNode(
            new NodeRecord(
                NodeId.of("c2-n2"), C2, "127.0.0.1", 1, 2, 1L << 30, 1.0, false, "t", T0, 1))
        .close();
    finish(calls.get(0));
    engine.step();

    assertThat(calls).hasSize(1);
    Function<JobId, OperationRecord.Item> item =
        id ->
            stored("detach-c2").items().stream()
                .filter(i -> i.job().equals(id))
                .findFirst()
                .orElseThrow();
    assertThat(item.apply(jobs.get(0)).state()).isEqualTo(ItemState.DONE);
    assertThat(item.apply(jobs.get(1)).state()).isEqualTo(ItemState.PENDING);
    assertThat(item.apply(jobs.get(1)).reason()).contains("c2-n2 is gone");
    assertThat(stored("detach-c2").state()).isEqualTo(OperationRecord.State.RUNNING);
  }

  @Test
  void aManagerThatDoesNotLeadStartsNothingAndWaitsForNothing() {
    guestsOnC2(2);
    detach(2);
    leading = false;

    engine.step();

    assertThat(calls).isEmpty();
    assertThat(stored("detach-c2").items()).isEmpty();
  }
}
