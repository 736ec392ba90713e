package io.roam.common.api;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param total how many items match, on all pages
 */
public record Page<T>(List<T> items, int total, int offset, int limit) {
  public Page {
    items = List.copyOf(items);
  }
}
