package io.roam.vmnode.reconcile;

import java.util.List;

/**
 * What the reconciler decided: actions in the order to apply them, and notes on what it saw and
 * chose not to touch (conflicts, domains waiting for their guest to power off).
 */
public record Plan(List<Action> actions, List<String> notes) {
  public Plan {
    actions = List.copyOf(actions);
    notes = List.copyOf(notes);
  }

  public boolean isEmpty() {
    return actions.isEmpty();
  }
}
