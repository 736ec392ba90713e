package io.roam.manager.view;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The last events of this manager, so that a client that lost its stream resumes where it stopped
 * instead of reloading everything. An event's id is {@code EPOCH-SEQ}: the epoch is new on every
 * start of the manager (sequence numbers restart with it), so an id from before a restart is never
 * taken for one of now. Bounded: a client that was away for longer than the buffer holds is told to
 * reload.
 */
public final class EventLog implements Consumer<GridEvent> {
  /** Events kept for resuming, by default. */
  public static final int CAPACITY = 4096;

  private final String epoch;
  private final int capacity;
  private final ArrayDeque<GridEvent> recent;
  private final List<Consumer<GridEvent>> listeners = new CopyOnWriteArrayList<>();
  private long latest;

  /**
   * What a subscriber missed.
   *
   * @param missed the events after its last id, oldest first (empty when it reloads)
   * @param reload why it must reload instead; null when {@code missed} is all it missed
   * @param position the id of the newest event now, where a reloading client starts from
   * @param handle ends the subscription
   */
  public record Subscription(
      List<GridEvent> missed, String reload, String position, AutoCloseable handle) {}

  public EventLog(String epoch, int capacity) {
    if (epoch.isEmpty() || epoch.indexOf('-') >= 0) {
      throw new IllegalArgumentException("an epoch is non-empty and has no '-': " + epoch);
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
    }
    this.epoch = epoch;
    this.capacity = capacity;
    this.recent = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /** An epoch for a manager starting at {@code millis}: its start time, in base 36. */
  public static String epochAt(long millis) {
    return Long.toString(millis, 36);
  }

  public String epoch() {
    return epoch;
  }

  /** The id a client sees for {@code event}. */
  public String id(GridEvent event) {
    return epoch + "-" + event.seq();
  }

  /** Keeps {@code event} and hands it to the subscribers (on the caller's thread). */
  @Override
  public synchronized void accept(GridEvent event) {
    if (recent.size() == capacity) {
      recent.removeFirst();
    }
    recent.addLast(event);
    latest = Math.max(latest, event.seq());
    for (Consumer<GridEvent> listener : listeners) {
      listener.accept(event);
    }
  }

  /**
   * Subscribes {@code listener} to the events after those returned as missed, without a gap or a
   * repeat between the two.
   *
   * @param lastEventId the id of the last event the client saw; empty for a new client
   */
  public synchronized Subscription subscribe(
      Optional<String> lastEventId, Consumer<GridEvent> listener) {
    List<GridEvent> missed = new ArrayList<>();
    String reload = lastEventId.map(id -> replay(id.strip(), missed)).orElse(null);
    if (reload != null) {
      missed.clear();
    }
    listeners.add(listener);
    return new Subscription(
        List.copyOf(missed), reload, epoch + "-" + latest, () -> listeners.remove(listener));
  }

  /** Fills {@code into} with the events after {@code id}; why it cannot, or null. */
  private String replay(String id, List<GridEvent> into) {
    int dash = id.lastIndexOf('-');
    long seq;
    try {
      seq = dash < 0 ? -1 : Long.parseLong(id.substring(dash + 1));
    } catch (NumberFormatException e) {
      seq = -1;
    }
    if (seq < 0) {
      return "event id '" + id + "' is not EPOCH-SEQ";
    }
    if (!id.substring(0, dash).equals(epoch)) {
      return "the manager restarted since event " + id;
    }
    if (seq > latest) {
      return "event " + id + " is not one of this manager's";
    }
    long oldest = recent.isEmpty() ? latest + 1 : recent.peekFirst().seq();
    if (seq + 1 < oldest) {
      return "event " + id + " is older than the last " + capacity + " events kept";
    }
    for (GridEvent e : recent) {
      if (e.seq() > seq) {
        into.add(e);
      }
    }
    return null;
  }

  /** How many subscribers there are now. */
  public int subscribers() {
    return listeners.size();
  }
}
