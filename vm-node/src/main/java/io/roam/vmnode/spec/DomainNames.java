package io.roam.vmnode.spec;

import io.roam.common.id.NodeId;

/** Roam domains are named {@code roam-<node id>}; the name alone never makes a domain managed. */
public final class DomainNames {
  public static final String PREFIX = "roam-";

  private DomainNames() {}

  public static String of(NodeId node) {
    return PREFIX + node.value();
  }

  public static boolean hasPrefix(String name) {
    return name.startsWith(PREFIX) && name.length() > PREFIX.length();
  }

  static String requireManaged(String name) {
    if (name == null || !hasPrefix(name)) {
      throw new IllegalArgumentException(
          "domain name '" + name + "' does not start with " + PREFIX);
    }
    NodeId.of(name.substring(PREFIX.length()));
    return name;
  }
}
