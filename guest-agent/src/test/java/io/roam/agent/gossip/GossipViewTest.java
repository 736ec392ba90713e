package io.roam.agent.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roam.common.id.NodeId;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GossipViewTest {
  static LoadEntry entry(String node, double runnable, int age) {
    return new LoadEntry(NodeId.of(node), runnable, (int) runnable, 2.0, 1 << 20, 4 << 20, age);
  }

  static GossipView view(String self, GossipConfig config) {
    return new GossipView(entry(self, 0, 0), config);
  }

  @Test
  void keepsTheFreshestEntryPerNode() {
    GossipView v = view("a", GossipConfig.defaults());
    assertThat(v.merge(List.of(entry("b", 1, 5)))).isEqualTo(1);
    assertThat(v.merge(List.of(entry("b", 2, 7)))).as("older: ignored").isZero();
    assertThat(v.get(NodeId.of("b")).orElseThrow().runnable()).isEqualTo(1);
    assertThat(v.merge(List.of(entry("b", 3, 2)))).as("fresher: taken").isEqualTo(1);
    assertThat(v.get(NodeId.of("b")).orElseThrow()).isEqualTo(entry("b", 3, 2));
    assertThat(v.size()).isEqualTo(1);
  }

  @Test
  void ignoresEntriesAboutItself() {
    GossipView v = view("a", GossipConfig.defaults());
    assertThat(v.merge(List.of(entry("a", 9, 0)))).isZero();
    assertThat(v.size()).isZero();
    assertThat(v.get(NodeId.of("a")).orElseThrow().runnable()).isZero();
  }

  @Test
  void agesEveryEntryEachStep() {
    GossipView v = view("a", GossipConfig.defaults());
    v.merge(List.of(entry("b", 1, 0), entry("c", 1, 3)));
    v.tick();
    v.tick();
    assertThat(v.get(NodeId.of("b")).orElseThrow().age()).isEqualTo(2);
    assertThat(v.get(NodeId.of("c")).orElseThrow().age()).isEqualTo(5);
    assertThat(v.totalAge()).isEqualTo(7);
    assertThat(v.oldestAge()).isEqualTo(5);
    // An entry that is fresher than what aged in the view still wins.
    assertThat(v.merge(List.of(entry("c", 4, 4)))).isEqualTo(1);
  }

  @Test
  void deadNodesAgeOut() {
    GossipView v = view("a", GossipConfig.defaults().withMaxAge(3));
    v.merge(List.of(entry("b", 1, 0), entry("c", 1, 2)));
    v.tick();
    assertThat(v.size()).isEqualTo(2);
    v.tick();
    assertThat(v.get(NodeId.of("c"))).as("age 4 > 3").isEmpty();
    assertThat(v.size()).isEqualTo(1);
    v.tick();
    v.tick();
    assertThat(v.size()).isZero();
    assertThat(v.merge(List.of(entry("d", 1, 4)))).as("too old on arrival").isZero();
  }

  @Test
  void windowIsOwnEntryThenTheFreshest() {
    GossipView v = view("a", GossipConfig.defaults().withWindow(3));
    v.updateSelf(entry("a", 2, 0));
    v.merge(List.of(entry("b", 1, 4), entry("c", 1, 1), entry("d", 1, 2), entry("e", 1, 9)));
    assertThat(v.window())
        .extracting(e -> e.node().value() + "@" + e.age())
        .containsExactly("a@0", "c@1", "d@2");
    assertThat(v.others()).extracting(e -> e.node().value()).containsExactly("c", "d", "b", "e");
  }

  @Test
  void whenFullTheOldestGivesWay() {
    GossipView v = view("a", GossipConfig.defaults().withCapacity(2));
    v.merge(List.of(entry("b", 1, 5), entry("c", 1, 3)));
    assertThat(v.merge(List.of(entry("d", 1, 6)))).as("older than all held").isZero();
    assertThat(v.merge(List.of(entry("d", 1, 1)))).isEqualTo(1);
    assertThat(v.others()).extracting(e -> e.node().value()).containsExactly("d", "c");
  }

  @Test
  void rejectsSomeoneElsesOwnEntry() {
    GossipView v = view("a", GossipConfig.defaults());
    assertThatThrownBy(() -> v.updateSelf(entry("b", 1, 0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void peersAreOthersChosenUniformly() {
    SplittableRandom random = new SplittableRandom(3);
    int[] hits = new int[5];
    for (int i = 0; i < 40_000; i++) {
      int p = Peers.pick(5, 2, random);
      hits[p]++;
    }
    assertThat(hits[2]).isZero();
    for (int i : new int[] {0, 1, 3, 4}) {
      assertThat(hits[i]).isBetween(9_000, 11_000);
    }
    assertThat(Peers.pick(1, 0, random)).isEqualTo(-1);
    List<NodeId> members = List.of(NodeId.of("a"), NodeId.of("b"));
    assertThat(Peers.pick(members, NodeId.of("a"), random)).contains(NodeId.of("b"));
  }

  @Test
  void aSmallTableMatchesAMapBasedModel() {
    matchesAMapBasedModel(8, 30);
  }

  @Test
  void aLargeTableMatchesAMapBasedModel() {
    matchesAMapBasedModel(AgeTable.SMALL + 22, 400);
  }

  private static void matchesAMapBasedModel(int capacity, int nodes) {
    // The table against a plain model: random offers, ticks, and more nodes than it holds.
    SplittableRandom random = new SplittableRandom(11);
    AgeTable<Integer> table = new AgeTable<>(0, capacity, 20);
    java.util.Map<Integer, long[]> model = new java.util.HashMap<>();
    long now = 0;
    for (int round = 0; round < 20_000; round++) {
      if (random.nextInt(capacity / 2) == 0) {
        table.tick();
        now++;
        final long t = now;
        model.values().removeIf(o -> o[0] < t - 20);
        continue;
      }
      int node = random.nextInt(nodes);
      int age = random.nextInt(25);
      int oldestInTable = table.size() == 0 ? -1 : table.nodeAt(table.size() - 1);
      boolean taken = table.offer(node, age, round);
      long origin = now - age;
      boolean expected;
      if (node == 0 || age > 20) {
        expected = false;
      } else if (model.containsKey(node)) {
        expected = model.get(node)[0] < origin;
      } else if (model.size() < capacity) {
        expected = true;
      } else {
        long oldest = model.values().stream().mapToLong(o -> o[0]).min().orElseThrow();
        expected = oldest < origin;
        if (expected) {
          // The oldest gives way (among equally old ones, the table's choice).
          assertThat(model.get(oldestInTable)[0]).isEqualTo(oldest);
          model.remove(oldestInTable);
        }
      }
      if (expected) {
        model.put(node, new long[] {origin});
      }
      assertThat(taken).as("round %d", round).isEqualTo(expected);
      assertThat(table.size()).isEqualTo(model.size());
      for (var e : model.entrySet()) {
        assertThat(table.ageOf(e.getKey())).isEqualTo((int) (now - e.getValue()[0]));
      }
    }
  }
}
