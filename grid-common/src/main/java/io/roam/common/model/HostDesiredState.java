package io.roam.common.model;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the grid manager wants running on one host (a persistent znode the manager writes and the
 * host's vm-node reconciles against). An empty list means: no Roam VM on this host.
 */
public record HostDesiredState(List<DesiredDomain> domains) {
  public HostDesiredState {
    domains = domains == null ? List.of() : List.copyOf(domains);
    Set<Object> nodes = new HashSet<>();
    Set<Integer> hostPorts = new HashSet<>();
    for (DesiredDomain d : domains) {
      if (!nodes.add(d.node())) {
        throw new IllegalArgumentException("node " + d.node() + " is listed twice");
      }
      for (PortForward p : d.ports()) {
        if (!hostPorts.add(p.hostPort())) {
          throw new IllegalArgumentException(
              "host port " + p.hostPort() + " is forwarded twice (node " + d.node() + ")");
        }
      }
    }
  }

  public static HostDesiredState empty() {
    return new HostDesiredState(List.of());
  }
}
