package io.roam.agent.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AgeTableTest {
  @Test
  void growsAndShrinksAgainstAMapModel() {
    // Many nodes, a large capacity (the table grows several times) and a short age limit (entries
    // age out in bulk), checked against a plain map after every operation.
    SplittableRandom random = new SplittableRandom(7);
    AgeTable<Integer> table = new AgeTable<>(3, 1000, 40);
    Map<Integer, Long> origins = new HashMap<>();
    Map<Integer, Integer> payloads = new HashMap<>();
    long now = 0;
    for (int round = 0; round < 60_000; round++) {
      if (random.nextInt(50) == 0) {
        table.tick();
        now++;
        long oldestKept = now - 40;
        origins.entrySet().removeIf(e -> e.getValue() < oldestKept);
        payloads.keySet().retainAll(origins.keySet());
      } else {
        int node = random.nextInt(700);
        int age = random.nextInt(45);
        long origin = now - age;
        boolean expected =
            node != 3 && age <= 40 && (!origins.containsKey(node) || origins.get(node) < origin);
        assertThat(table.offer(node, age, round)).isEqualTo(expected);
        if (expected) {
          origins.put(node, origin);
          payloads.put(node, round);
        }
      }
      if (round % 97 == 0) {
        assertThat(table.size()).isEqualTo(origins.size());
        long total = 0;
        for (var e : origins.entrySet()) {
          assertThat(table.ageOf(e.getKey())).isEqualTo((int) (now - e.getValue()));
          assertThat(table.payloadOf(e.getKey())).isEqualTo(payloads.get(e.getKey()));
          total += now - e.getValue();
        }
        assertThat(table.totalAge()).isEqualTo(total);
        // Ranks run from the freshest to the oldest.
        for (int i = 1; i < table.size(); i++) {
          assertThat(table.ageAt(i)).isGreaterThanOrEqualTo(table.ageAt(i - 1));
        }
      }
    }
    assertThat(table.contains(3)).isFalse();
  }

  @Test
  void packedTableAgainstAModelWithItsCapacityBound() {
    // A small (packed) table, full nearly all the time: the oldest entry (first inserted among
    // equal origins) gives way to a fresher one; the array's start moves and wraps around.
    for (int capacity : new int[] {1, 7, 64, 128}) {
      SplittableRandom random = new SplittableRandom(capacity);
      AgeTable<Integer> table = new AgeTable<>(3, capacity, 40);
      Map<Integer, long[]> held = new HashMap<>(); // node -> {origin, insertion number, payload}
      long now = 0;
      for (int round = 0; round < 40_000; round++) {
        if (random.nextInt(30) == 0) {
          table.tick();
          now++;
          long oldestKept = now - 40;
          held.values().removeIf(e -> e[0] < oldestKept);
        } else {
          int node = random.nextInt(random.nextBoolean() ? 700 : 2 * capacity);
          int age = random.nextInt(45);
          long origin = now - age;
          long[] oldest = null;
          for (long[] e : held.values()) {
            if (oldest == null || e[0] < oldest[0] || (e[0] == oldest[0] && e[1] < oldest[1])) {
              oldest = e;
            }
          }
          boolean expected;
          if (node == 3 || age > 40) {
            expected = false;
          } else if (held.containsKey(node)) {
            expected = held.get(node)[0] < origin;
          } else {
            expected = held.size() < capacity || oldest[0] < origin;
            if (expected && held.size() == capacity) {
              long[] evict = oldest;
              held.values().removeIf(e -> e == evict);
            }
          }
          assertThat(table.offer(node, age, round)).isEqualTo(expected);
          if (expected) {
            held.put(node, new long[] {origin, round, round});
          }
        }
        if (round % 31 == 0) {
          assertThat(table.size()).isEqualTo(held.size());
          long total = 0;
          for (var e : held.entrySet()) {
            assertThat(table.ageOf(e.getKey())).isEqualTo((int) (now - e.getValue()[0]));
            assertThat(table.payloadOf(e.getKey())).isEqualTo((int) e.getValue()[2]);
            total += now - e.getValue()[0];
          }
          assertThat(table.totalAge()).isEqualTo(total);
          for (int i = 1; i < table.size(); i++) {
            assertThat(table.ageAt(i)).isGreaterThanOrEqualTo(table.ageAt(i - 1));
          }
          for (int i = 0; i < table.size(); i++) {
            long[] e = held.get(table.nodeAt(i));
            assertThat(table.ageAt(i)).isEqualTo((int) (now - e[0]));
            assertThat(table.payloadAt(i)).isEqualTo((int) e[2]);
          }
          // The exact order, ties included: freshest first, and among equal origins the last
          // taken first (what a window carries, and in which order).
          List<Integer> expectedOrder = new ArrayList<>(held.keySet());
          expectedOrder.sort(
              Comparator.comparingLong((Integer k) -> -held.get(k)[0])
                  .thenComparingLong(k -> -held.get(k)[1]));
          int[] nodes = new int[capacity];
          int[] ages = new int[capacity];
          Object[] payloads = new Object[capacity];
          int copied = table.freshest(capacity, nodes, ages, payloads, 0);
          assertThat(copied).isEqualTo(held.size());
          for (int i = 0; i < copied; i++) {
            assertThat(nodes[i]).isEqualTo(expectedOrder.get(i));
            assertThat(table.nodeAt(i)).isEqualTo(expectedOrder.get(i));
            assertThat(ages[i]).isEqualTo(table.ageAt(i));
            assertThat(payloads[i]).isEqualTo(table.payloadAt(i));
          }
          if (copied > 2) {
            // Ranks read out of turn, after the cursor has moved on.
            assertThat(table.nodeAt(1)).isEqualTo(expectedOrder.get(1));
            assertThat(table.nodeAt(copied - 1)).isEqualTo(expectedOrder.get(copied - 1));
          }
          assertThat(table.contains(701)).isFalse();
          // Free slots hold the owner's own number: never found.
          assertThat(table.contains(3)).isFalse();
          assertThat(table.payloadOf(3)).isNull();
        }
      }
    }
  }

  @Test
  void offersAMessageAsItsEntriesOneByOne() {
    SplittableRandom random = new SplittableRandom(11);
    AgeTable<Integer> batch = new AgeTable<>(0, 16, 30);
    AgeTable<Integer> single = new AgeTable<>(0, 16, 30);
    int[] nodes = new int[20];
    int[] ages = new int[20];
    Object[] payloads = new Object[20];
    for (int step = 0; step < 200; step++) {
      batch.tick();
      single.tick();
      for (int i = 0; i < 20; i++) {
        nodes[i] = random.nextInt(60);
        ages[i] = random.nextInt(35);
        payloads[i] = step * 20 + i;
      }
      int taken = 0;
      for (int i = 2; i < 18; i++) {
        if (single.offer(nodes[i], ages[i], (Integer) payloads[i])) {
          taken++;
        }
      }
      assertThat(batch.offerAll(nodes, ages, payloads, 2, 18)).isEqualTo(taken);
      assertThat(batch.size()).isEqualTo(single.size());
      for (int i = 0; i < single.size(); i++) {
        assertThat(batch.nodeAt(i)).isEqualTo(single.nodeAt(i));
        assertThat(batch.ageAt(i)).isEqualTo(single.ageAt(i));
        assertThat(batch.payloadAt(i)).isEqualTo(single.payloadAt(i));
      }
    }
  }

  @Test
  void copiesOutTheFreshestFirst() {
    AgeTable<String> table = new AgeTable<>(0, 10, 100);
    table.offer(1, 5, "b");
    table.offer(2, 1, "c");
    table.offer(3, 3, "d");
    int[] nodes = new int[4];
    int[] ages = new int[4];
    Object[] payloads = new Object[4];
    int n = table.freshest(2, nodes, ages, payloads, 1);
    assertThat(n).isEqualTo(2);
    assertThat(nodes).containsExactly(0, 2, 3, 0);
    assertThat(ages).containsExactly(0, 1, 3, 0);
    assertThat(payloads).containsExactly(null, "c", "d", null);
  }
}
