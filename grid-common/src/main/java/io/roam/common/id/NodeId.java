package io.roam.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Identifies a node grid-wide. */
public record NodeId(@JsonValue String value) implements Comparable<NodeId> {
  public NodeId {
    Ids.require("node", value);
  }

  @JsonCreator
  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
