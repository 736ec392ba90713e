package io.roam.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Identifies a physical host (a machine running libvirt and vm-node) grid-wide. */
public record HostId(@JsonValue String value) implements Comparable<HostId> {
  public HostId {
    Ids.require("host", value);
  }

  @JsonCreator
  public static HostId of(String value) {
    return new HostId(value);
  }

  @Override
  public int compareTo(HostId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
