package io.roam.agent.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.roam.agent.TestStores;
import io.roam.common.id.ClusterId;
import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterPolicy;
import io.roam.common.model.JobRecord;
import io.roam.common.model.NodeRecord;
import io.roam.store.CuratorGridStore;
import io.roam.store.CuratorGuestStore;
import io.roam.store.GuestStore;
import io.roam.store.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guest limit held with the cluster's ledger, on a real ZooKeeper. */
class GuestLedgerIT {
  private static final ClusterId C1 = ClusterId.of("c1");
  private static final ClusterId C2 = ClusterId.of("c2");
  private static final NodeId HOME = NodeId.of("c1-n1");
  private static final NodeId N1 = NodeId.of("c2-n1");
  private static final NodeId N2 = NodeId.of("c2-n2");
  private static final Duration IN_FLIGHT = Duration.ofMinutes(10);
  private static final ClusterPolicy ONE_GUEST = new ClusterPolicy(true, 1, List.of());

  private TestingServer zk;
  private CuratorGridStore store;
  private CuratorGuestStore guests;
  private final Instant t0 = Instant.parse("2026-12-06T12:00:00Z");

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer();
    store = TestStores.connect(zk);
    guests = new CuratorGuestStore(store.client(), store.layout());
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    zk.close();
  }

  private GuestLedger ledger(GuestStore on, Instant now) {
    return new GuestLedger(C2, store, on, Clock.fixed(now, ZoneOffset.UTC), IN_FLIGHT);
  }

  private static NodeRecord node(NodeId id) {
    return new NodeRecord(id, C2, "127.0.0.1", 1, 1, 1L << 30, 1.0, false, "t", Instant.now(), 1);
  }

  /** A job of c1 running on {@code at}. */
  private JobRecord job(NodeId at) {
    JobId id = store.nextJobId();
    store.createJob(JobRecord.pending(id, List.of("sleep", "1"), HOME, C1, t0));
    return store.updateJob(id, j -> j.started(t0).movedTo(at, null));
  }

  @Test
  void twoGuestsAtOnceDoNotBothTakeTheLastPlace() throws Exception {
    JobRecord warmUp = job(HOME);
    ledger(guests, t0).admit(ONE_GUEST, warmUp, N1, "warm-up"); // starts the ledger
    ledger(guests, t0).release(warmUp.id(), "warm-up");
    JobRecord a = job(HOME);
    JobRecord b = job(HOME);
    // Both admissions read the ledger before either writes: one write must fail and count again.
    CyclicBarrier bothRead = new CyclicBarrier(2);
    GuestStore racing = new BarrierAfterFirstRead(guests, bothRead);
    ExecutorService two = Executors.newFixedThreadPool(2);
    List<Optional<String>> outcomes;
    try {
      CompletableFuture<Optional<String>> first =
          CompletableFuture.supplyAsync(
              () -> ledger(racing, t0).admit(ONE_GUEST, a, N1, "x1"), two);
      CompletableFuture<Optional<String>> second =
          CompletableFuture.supplyAsync(
              () -> ledger(racing, t0).admit(ONE_GUEST, b, N2, "x2"), two);
      outcomes = List.of(first.get(20, TimeUnit.SECONDS), second.get(20, TimeUnit.SECONDS));
    } finally {
      two.shutdownNow();
    }

    assertThat(outcomes.stream().filter(Optional::isEmpty)).hasSize(1);
    assertThat(outcomes.stream().flatMap(Optional::stream))
        .singleElement()
        .asString()
        .contains("hosts 1 guest(s) already, the most its owner allows (1)");
    assertThat(guests.guests(C2).orElseThrow().value()).hasSize(1);
  }

  @Test
  void theLedgerStartsFromTheGuestsRunningThere() {
    store.registerNode(node(N1));
    store.registerNode(node(N2));
    job(N1); // a guest already running on c2 before the ledger existed

    Optional<String> refusal = ledger(guests, t0).admit(ONE_GUEST, job(HOME), N2, "x");

    assertThat(refusal).get().asString().contains("hosts 1 guest(s) already");
  }

  @Test
  void aGuestThatLeftOrNeverCameFreesItsPlaceOnlyOnceItIsNoLongerOnItsWay() {
    JobRecord a = job(HOME);
    assertThat(ledger(guests, t0).admit(ONE_GUEST, a, N1, "x1")).isEmpty();
    JobRecord b = job(HOME);

    // a is on its way (its record still names its home): its place is taken.
    assertThat(ledger(guests, t0.plusSeconds(60)).admit(ONE_GUEST, b, N1, "x2")).isPresent();
    // It never arrived: after the in-flight time its place is free again.
    assertThat(ledger(guests, t0.plus(IN_FLIGHT).plusSeconds(1)).admit(ONE_GUEST, b, N1, "x2"))
        .isEmpty();
    assertThat(guests.guests(C2).orElseThrow().value())
        .extracting(GuestStore.Entry::job)
        .containsExactly(b.id());
  }

  @Test
  void aGuestRunningThereKeepsItsPlaceAndOneThatEndedDoesNot() {
    JobRecord a = job(HOME);
    assertThat(ledger(guests, t0).admit(ONE_GUEST, a, N1, "x1")).isEmpty();
    store.updateJob(a.id(), j -> j.movedTo(N1, null));
    Instant late = t0.plus(IN_FLIGHT).plusSeconds(1);

    assertThat(ledger(guests, late).admit(ONE_GUEST, job(HOME), N2, "x2")).isPresent();

    store.updateJob(a.id(), j -> j.exited(0, late));
    assertThat(ledger(guests, late).admit(ONE_GUEST, job(HOME), N2, "x3")).isEmpty();
  }

  @Test
  void aReleasedPlaceIsFreeAtOnce() {
    JobRecord a = job(HOME);
    assertThat(ledger(guests, t0).admit(ONE_GUEST, a, N1, "x1")).isEmpty();

    ledger(guests, t0).release(a.id(), "x1");

    assertThat(ledger(guests, t0).admit(ONE_GUEST, job(HOME), N1, "x2")).isEmpty();
  }

  @Test
  void theOwnersOtherRulesComeFirstAndReserveNothing() {
    ClusterPolicy none = new ClusterPolicy(false, 5, List.of());

    assertThat(ledger(guests, t0).admit(none, job(HOME), N1, "x1"))
        .get()
        .asString()
        .contains("accepts no guests");
    assertThat(guests.guests(C2).map(Versioned::value).orElse(List.of())).isEmpty();
  }

  /** Lets the first read of each of two callers return only once both have read. */
  private static final class BarrierAfterFirstRead implements GuestStore {
    private final GuestStore inner;
    private final CyclicBarrier barrier;
    private final ThreadLocal<Boolean> read = ThreadLocal.withInitial(() -> false);

    BarrierAfterFirstRead(GuestStore inner, CyclicBarrier barrier) {
      this.inner = inner;
      this.barrier = barrier;
    }

    @Override
    public Optional<Versioned<List<Entry>>> guests(ClusterId cluster) {
      Optional<Versioned<List<Entry>>> out = inner.guests(cluster);
      if (!read.get()) {
        read.set(true);
        try {
          barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("the other admission did not read", e);
        }
      }
      return out;
    }

    @Override
    public boolean create(ClusterId cluster, List<Entry> guests) {
      return inner.create(cluster, guests);
    }

    @Override
    public boolean compareAndSet(ClusterId cluster, List<Entry> guests, int expectedVersion) {
      return inner.compareAndSet(cluster, guests, expectedVersion);
    }
  }
}
