package io.roam.agent.gossip;

import java.util.Arrays;

/**
 * The gossip protocol's state for one node, over small integer node numbers: for each other node
 * the freshest payload heard of and the step it was measured at. It is the whole protocol (freshest
 * wins, aging, the age limit, the capacity bound, the window of the freshest); {@link GossipView}
 * puts node ids and load entries on top of it, and the simulator drives it directly.
 *
 * <p>Ages are kept as origins on the table's own step counter, so {@link #tick()} ages every entry
 * at once. Entries are kept in an array ordered from oldest to freshest: a window is read from its
 * end, entries of dead nodes fall off its start, and an incoming entry, being fresh, lands near the
 * end, so a merge moves few elements. Allocation-free in the steady state. Not thread-safe.
 *
 * <p>A small table (capacity up to {@value #SMALL}) is packed instead into slots: one array of
 * 8-byte entries (origin, node) and one of payloads, searched linearly (a few cache lines that the
 * first entry of a message brings in for the others); entries stay in their slots. The order by
 * origin is a list linked through the slots (a byte each way), and beside it the distinct origins
 * held, ascending, each with the last slot of its run: an entry goes to the end of its origin's
 * run, found by stepping back over the few fresher origins, and nothing is shifted. Same behaviour,
 * tie-breaks included. Dropping the oldest (what a full table does for nearly every fresh entry)
 * unlinks the list's head, and the new entry takes its slot; a filter of 2048 bits tells, with one
 * or two words read, that nearly all nodes offered are not held, without searching.
 *
 * @param <P> what is known about a node (its load figures)
 */
public final class AgeTable<P> {
  private static final int EMPTY = -1;
  static final int SMALL = 128;

  private final int self;
  private final int capacity;
  private final int maxAge;

  /**
   * Open addressing, linear probing, pairs side by side (one cache line for both): at {@code 2i}
   * node number + 1 (0 = empty), at {@code 2i + 1} its slot.
   */
  private int[] table;

  private int mask;
  private int[] slotNode;
  private long[] slotOrigin;
  private Object[] slotPayload;
  private int[] freeSlots;
  private int freeCount;

  /** Slots by ascending origin in {@code [start, end)}, their origins beside them. */
  private int[] order;

  private long[] orderOrigin;

  private int start;
  private int end;
  private long originSum;
  private long now;

  /**
   * Small tables: per slot (origin << 32 | node), its payload beside; a free slot holds the owner's
   * own number, never looked up. Entries stay in their slots: only their order moves.
   */
  private long[] packed;

  private Object[] packedPayload;

  /**
   * Small tables: the order, oldest to freshest (ties in the order taken), as links through the
   * slots: at {@code 2s} the slot before s, at {@code 2s + 1} the one after (-1: none). A free slot
   * links, after, to the next free one.
   */
  private byte[] link;

  private int head = -1;
  private int tail = -1;
  private int freeHead = -1;

  /**
   * Small tables: the distinct origins held, ascending, in {@code [runLo, runHi)}, each as (origin
   * << 8 | the last slot of that origin in the order).
   */
  private long[] runs;

  private int runLo;
  private int runHi;

  /** Small tables: slots ever used are [0, used). */
  private int used;

  private int n;

  /** Small tables: the last rank looked up and its slot, so that ranks read in turn cost a step. */
  private int cursorRank = -1;

  private int cursorSlot;

  /**
   * Small tables: two bits per node held (two hashes, see {@link #bit}), and per node dropped since
   * the last rebuild ({@code stale} of them): a clear bit means not held. Rebuilt from the entries
   * once {@code capacity} have been dropped, so it never holds more than twice the capacity: both
   * bits wrongly set for at most (1 - exp(-2 x 2 x 128 / 2048))^2 = 4.8% of the nodes not held
   * (1.4% at capacity 64, against 6% with one bit: a wrong hit searches every slot).
   */
  private long[] filter;

  private int stale;

  /**
   * @param self the owner's own node number: entries about it are ignored
   */
  public AgeTable(int self, int capacity, int maxAge) {
    if (capacity < 1 || maxAge < 1) {
      throw new IllegalArgumentException("capacity and maxAge must be >= 1");
    }
    this.self = self;
    this.capacity = capacity;
    this.maxAge = maxAge;
    if (capacity <= SMALL) {
      packed = new long[capacity];
      Arrays.fill(packed, self & 0xffffffffL);
      packedPayload = new Object[capacity];
      link = new byte[2 * capacity];
      runs = new long[Math.min(2 * capacity, 16)];
      filter = new long[FILTER_BITS / 64];
    } else {
      allocate(Math.min(capacity, 16));
    }
  }

  private void allocate(int slots) {
    int[] oldSlotNode = slotNode;
    long[] oldOrigin = slotOrigin;
    Object[] oldPayload = slotPayload;
    int[] oldOrder = order;
    int oldStart = start;
    int oldEnd = end;
    int tableSize = Integer.highestOneBit(Math.max(4, slots * 2 - 1)) << 1;
    table = new int[2 * tableSize];
    mask = tableSize - 1;
    slotNode = new int[slots];
    slotOrigin = new long[slots];
    slotPayload = new Object[slots];
    order = new int[slots * 2];
    orderOrigin = new long[slots * 2];
    freeSlots = new int[slots];
    freeCount = 0;
    start = 0;
    end = 0;
    int used = 0;
    if (oldOrder != null) {
      for (int i = oldStart; i < oldEnd; i++) {
        int s = oldOrder[i];
        slotNode[used] = oldSlotNode[s];
        slotOrigin[used] = oldOrigin[s];
        slotPayload[used] = oldPayload[s];
        mapPut(oldSlotNode[s], used);
        orderOrigin[end] = oldOrigin[s];
        order[end++] = used;
        used++;
      }
    }
    for (int s = slots - 1; s >= used; s--) {
      freeSlots[freeCount++] = s;
    }
  }

  public int capacity() {
    return capacity;
  }

  public int maxAge() {
    return maxAge;
  }

  /** Entries held. */
  public int size() {
    return packed != null ? n : end - start;
  }

  /** Steps this table has lived. */
  public long steps() {
    return now;
  }

  /** One step passes: every entry is a step older, and those past the age limit are dropped. */
  public void tick() {
    now++;
    long oldestKept = now - maxAge;
    if (packed != null) {
      while (n > 0 && originOf(packed[head]) < oldestKept) {
        int slot = popHead();
        originSum -= originOf(packed[slot]);
        packed[slot] = self & 0xffffffffL;
        packedPayload[slot] = null;
        link[2 * slot + 1] = (byte) freeHead;
        freeHead = slot;
        dropped();
      }
      return;
    }
    while (start < end && orderOrigin[start] < oldestKept) {
      int s = order[start++];
      release(s);
    }
  }

  /**
   * Offers what a peer said about a node, {@code age} steps old: taken if fresher than what the
   * table holds (when full, it replaces the oldest entry if fresher than that). Entries about the
   * owner itself, and entries older than the age limit, are ignored.
   *
   * @return whether it was taken
   */
  public boolean offer(int node, int age, P payload) {
    if (age < 0 || age > maxAge || node == self) {
      return false;
    }
    long origin = now - age;
    if (packed != null) {
      return offerPacked(node, origin, payload);
    }
    int s = mapGet(node);
    if (s != EMPTY) {
      if (slotOrigin[s] >= origin) {
        return false;
      }
      removeFromOrder(s);
      originSum -= slotOrigin[s];
    } else {
      if (size() == capacity) {
        int oldest = order[start];
        if (orderOrigin[start] >= origin) {
          return false;
        }
        start++;
        release(oldest);
      } else if (freeCount == 0) {
        allocate(Math.min(capacity, slotNode.length * 2));
      }
      s = freeSlots[--freeCount];
      slotNode[s] = node;
      mapPut(node, s);
    }
    slotOrigin[s] = origin;
    slotPayload[s] = payload;
    originSum += origin;
    insertInOrder(s);
    return true;
  }

  /**
   * Offers a message's entries in turn, as {@link #offer} each: entry {@code i} of {@code [from,
   * to)} is about {@code nodes[i]}, {@code ages[i]} steps old. One call for a message, so that the
   * loop over its entries is compiled with the offer itself.
   *
   * @return how many were taken
   */
  @SuppressWarnings("unchecked")
  public int offerAll(int[] nodes, int[] ages, Object[] payloads, int from, int to) {
    int taken = 0;
    for (int i = from; i < to; i++) {
      if (offer(nodes[i], ages[i], (P) payloads[i])) {
        taken++;
      }
    }
    return taken;
  }

  private boolean offerPacked(int node, long origin, P payload) {
    boolean evicted = false;
    int slot = findPacked(node);
    if (slot >= 0) {
      if (originOf(packed[slot]) >= origin) {
        return false;
      }
      // Same node, fresher figures: same slot, new place in the order.
      originSum -= originOf(packed[slot]);
      unlink(slot);
    } else if (n == capacity) {
      slot = head;
      if (originOf(packed[slot]) >= origin) {
        return false;
      }
      // The oldest gives way; its slot takes the new entry.
      originSum -= originOf(packed[slot]);
      popHead();
      evicted = true;
    } else if (freeHead >= 0) {
      slot = freeHead;
      freeHead = link[2 * slot + 1];
    } else {
      slot = used++;
    }
    packed[slot] = (origin << 32) | (node & 0xffffffffL);
    packedPayload[slot] = payload;
    insert(slot, origin);
    mark(node);
    originSum += origin;
    if (evicted) {
      dropped();
    }
    return true;
  }

  /** Links a slot in at the end of its origin's run (after every entry not fresher). */
  private void insert(int slot, long origin) {
    cursorRank = -1;
    long[] r = runs;
    int i = runHi - 1;
    // Fresh entries land at the end: step back over the fresher origins.
    while (i >= runLo && (r[i] >> 8) > origin) {
      i--;
    }
    if (i >= runLo && (r[i] >> 8) == origin) {
      linkAfter((int) r[i] & 0xff, slot);
      r[i] = (origin << 8) | slot;
    } else {
      if (i >= runLo) {
        linkAfter((int) r[i] & 0xff, slot);
      } else {
        linkFirst(slot);
      }
      if (i + 1 == runHi && runHi < runs.length) {
        // A fresher origin than any held: the usual case.
        runs[runHi++] = (origin << 8) | slot;
      } else {
        insertRun(i + 1, (origin << 8) | slot);
      }
    }
    n++;
  }

  private void insertRun(int at, long run) {
    if (at == runLo && runLo > 0) {
      runs[--runLo] = run;
      return;
    }
    if (runHi == runs.length) {
      int count = runHi - runLo;
      long[] to = count * 2 <= runs.length ? runs : new long[2 * runs.length];
      System.arraycopy(runs, runLo, to, 0, count);
      runs = to;
      at -= runLo;
      runHi = count;
      runLo = 0;
    }
    System.arraycopy(runs, at, runs, at + 1, runHi - at);
    runs[at] = run;
    runHi++;
  }

  private void linkAfter(int before, int slot) {
    byte[] l = link;
    int after = l[2 * before + 1];
    l[2 * slot] = (byte) before;
    l[2 * slot + 1] = (byte) after;
    l[2 * before + 1] = (byte) slot;
    if (after >= 0) {
      l[2 * after] = (byte) slot;
    } else {
      tail = slot;
    }
  }

  private void linkFirst(int slot) {
    link[2 * slot] = -1;
    link[2 * slot + 1] = (byte) head;
    if (head >= 0) {
      link[2 * head] = (byte) slot;
    } else {
      tail = slot;
    }
    head = slot;
  }

  /** Unlinks the oldest entry, and its run if it was the run's last; returns its slot. */
  private int popHead() {
    cursorRank = -1;
    int slot = head;
    int next = link[2 * slot + 1];
    head = next;
    if (next >= 0) {
      link[2 * next] = -1;
    } else {
      tail = -1;
    }
    if (((int) runs[runLo] & 0xff) == slot) {
      runLo++;
    }
    n--;
    return slot;
  }

  /** Unlinks any entry, fixing its run (ends it if it was its only entry). */
  private void unlink(int slot) {
    cursorRank = -1;
    long origin = originOf(packed[slot]);
    int i = runHi - 1;
    while ((runs[i] >> 8) != origin) {
      i--;
    }
    int before = link[2 * slot];
    int after = link[2 * slot + 1];
    if (((int) runs[i] & 0xff) == slot) {
      if (before >= 0 && originOf(packed[before]) == origin) {
        runs[i] = (origin << 8) | before;
      } else if (i == runLo) {
        runLo++;
      } else {
        System.arraycopy(runs, i + 1, runs, i, runHi - i - 1);
        runHi--;
      }
    }
    if (before >= 0) {
      link[2 * before + 1] = (byte) after;
    } else {
      head = after;
    }
    if (after >= 0) {
      link[2 * after] = (byte) before;
    } else {
      tail = before;
    }
    n--;
  }

  private static final int FILTER_BITS = 2048;

  /** A node's first filter bit (Fibonacci hashing: consecutive numbers spread). */
  private static int bit(int node) {
    return (node * 0x9E3779B9) >>> 21;
  }

  /** Its second, from another odd multiplier's top bits. */
  private static int bit2(int node) {
    return (node * 0x85EBCA6B) >>> 21;
  }

  private void mark(int node) {
    int b = bit(node);
    filter[b >>> 6] |= 1L << b;
    b = bit2(node);
    filter[b >>> 6] |= 1L << b;
  }

  /** An entry left: its bit stays set until the filter is rebuilt. */
  private void dropped() {
    if (++stale >= capacity) {
      rebuildFilter();
    }
  }

  private void rebuildFilter() {
    Arrays.fill(filter, 0);
    for (int i = 0; i < used; i++) {
      int node = (int) packed[i];
      // Free slots hold the owner's own number.
      if (node != self) {
        mark(node);
      }
    }
    stale = 0;
  }

  /** The slot of the node's entry, or -1. */
  private int findPacked(int node) {
    int b = bit(node);
    if ((filter[b >>> 6] & (1L << b)) == 0) {
      return -1;
    }
    b = bit2(node);
    if ((filter[b >>> 6] & (1L << b)) == 0 || node == self) {
      return -1;
    }
    // Slots in any order: nodes are unique, and a free slot holds the owner's number.
    for (int i = used - 1; i >= 0; i--) {
      if ((int) packed[i] == node) {
        return i;
      }
    }
    return -1;
  }

  /** The slot of the entry of rank {@code i} by freshness (0 = freshest). */
  private int slotAt(int i) {
    check(i);
    int rank = 0;
    int slot = tail;
    if (cursorRank >= 0 && cursorRank <= i) {
      rank = cursorRank;
      slot = cursorSlot;
    }
    for (; rank < i; rank++) {
      slot = link[2 * slot];
    }
    cursorRank = i;
    cursorSlot = slot;
    return slot;
  }

  private static long originOf(long entry) {
    return entry >> 32;
  }

  /** Whether the table holds an entry about the node. */
  public boolean contains(int node) {
    return packed != null ? findPacked(node) >= 0 : mapGet(node) != EMPTY;
  }

  /** The age of what the table holds about a node, or -1. */
  public int ageOf(int node) {
    if (packed != null) {
      int i = findPacked(node);
      return i < 0 ? -1 : (int) (now - originOf(packed[i]));
    }
    int s = mapGet(node);
    return s == EMPTY ? -1 : (int) (now - slotOrigin[s]);
  }

  /** What the table holds about a node, or null. */
  @SuppressWarnings("unchecked")
  public P payloadOf(int node) {
    if (packed != null) {
      int i = findPacked(node);
      return i < 0 ? null : (P) packedPayload[i];
    }
    int s = mapGet(node);
    return s == EMPTY ? null : (P) slotPayload[s];
  }

  /**
   * Copies out at most {@code limit} entries, freshest first, from {@code offset} on.
   *
   * @return how many were copied
   */
  public int freshest(int limit, int[] nodes, int[] ages, Object[] payloads, int offset) {
    int c = 0;
    if (packed != null) {
      for (int slot = tail; slot >= 0 && c < limit; slot = link[2 * slot], c++) {
        long e = packed[slot];
        nodes[offset + c] = (int) e;
        ages[offset + c] = (int) (now - originOf(e));
        payloads[offset + c] = packedPayload[slot];
      }
      return c;
    }
    for (int i = end - 1; i >= start && c < limit; i--, c++) {
      int s = order[i];
      nodes[offset + c] = slotNode[s];
      ages[offset + c] = (int) (now - slotOrigin[s]);
      payloads[offset + c] = slotPayload[s];
    }
    return c;
  }

  /** The node of the entry of rank {@code i} by freshness (0 = freshest). */
  public int nodeAt(int i) {
    if (packed != null) {
      return (int) packed[slotAt(i)];
    }
    return slotNode[order[end - 1 - check(i)]];
  }

  public int ageAt(int i) {
    if (packed != null) {
      return (int) (now - originOf(packed[slotAt(i)]));
    }
    return (int) (now - slotOrigin[order[end - 1 - check(i)]]);
  }

  @SuppressWarnings("unchecked")
  public P payloadAt(int i) {
    if (packed != null) {
      return (P) packedPayload[slotAt(i)];
    }
    return (P) slotPayload[order[end - 1 - check(i)]];
  }

  /** Sum of the ages of all entries. */
  public long totalAge() {
    return (long) size() * now - originSum;
  }

  /** Age of the oldest entry, 0 when empty. */
  public int oldestAge() {
    if (packed != null) {
      return n == 0 ? 0 : (int) (now - originOf(packed[head]));
    }
    return start == end ? 0 : (int) (now - orderOrigin[start]);
  }

  private int check(int i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException(i);
    }
    return i;
  }

  private void release(int s) {
    mapRemove(slotNode[s]);
    originSum -= slotOrigin[s];
    slotPayload[s] = null;
    freeSlots[freeCount++] = s;
  }

  private void insertInOrder(int s) {
    if (end == order.length) {
      System.arraycopy(order, start, order, 0, end - start);
      System.arraycopy(orderOrigin, start, orderOrigin, 0, end - start);
      end -= start;
      start = 0;
    }
    int i = upperBound(slotOrigin[s]);
    System.arraycopy(order, i, order, i + 1, end - i);
    System.arraycopy(orderOrigin, i, orderOrigin, i + 1, end - i);
    order[i] = s;
    orderOrigin[i] = slotOrigin[s];
    end++;
  }

  private void removeFromOrder(int s) {
    // Slots of equal origin sit together just before the upper bound of that origin.
    int i = upperBound(slotOrigin[s]) - 1;
    while (order[i] != s) {
      i--;
    }
    System.arraycopy(order, i + 1, order, i, end - i - 1);
    System.arraycopy(orderOrigin, i + 1, orderOrigin, i, end - i - 1);
    end--;
  }

  /** The first position in {@code [start, end)} whose origin is greater than {@code origin}. */
  private int upperBound(long origin) {
    int lo = start;
    int hi = end;
    // Fresh entries land at the end: look there first.
    if (hi > lo && orderOrigin[hi - 1] <= origin) {
      return hi;
    }
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (orderOrigin[mid] <= origin) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int mapGet(int node) {
    int key = node + 1;
    for (int i = mix(node) & mask; ; i = (i + 1) & mask) {
      int k = table[2 * i];
      if (k == key) {
        return table[2 * i + 1];
      }
      if (k == 0) {
        return EMPTY;
      }
    }
  }

  private void mapPut(int node, int slot) {
    int i = mix(node) & mask;
    while (table[2 * i] != 0) {
      i = (i + 1) & mask;
    }
    table[2 * i] = node + 1;
    table[2 * i + 1] = slot;
  }

  /** Removal with backward shift, so probing needs no tombstones. */
  private void mapRemove(int node) {
    int key = node + 1;
    int i = mix(node) & mask;
    while (table[2 * i] != key) {
      i = (i + 1) & mask;
    }
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      int k = table[2 * j];
      if (k == 0) {
        break;
      }
      int home = mix(k - 1) & mask;
      // Move the pair at j back to i unless its home is cyclically within (i, j].
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        table[2 * i] = k;
        table[2 * i + 1] = table[2 * j + 1];
        i = j;
      }
    }
    table[2 * i] = 0;
  }

  private static int mix(int x) {
    int h = x * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  @Override
  public String toString() {
    return "AgeTable[size=" + size() + ", step=" + now + "]";
  }
}
