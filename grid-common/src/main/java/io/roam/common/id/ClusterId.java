package io.roam.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Identifies a cluster grid-wide. */
public record ClusterId(@JsonValue String value) implements Comparable<ClusterId> {
  public ClusterId {
    Ids.require("cluster", value);
  }

  @JsonCreator
  public static ClusterId of(String value) {
    return new ClusterId(value);
  }

  @Override
  public int compareTo(ClusterId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
