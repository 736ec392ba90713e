package io.roam.manager.hosts;

import io.roam.common.api.AddVmsRequest;
import io.roam.common.api.VmSummary;
import io.roam.common.id.HostId;
import io.roam.common.id.NodeId;
import io.roam.common.model.DesiredDomain;
import io.roam.common.model.HostDesiredState;
import io.roam.common.model.HostRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.PortForward;
import io.roam.store.GridStore;
import io.roam.store.HostStore;
import io.roam.store.Versioned;
import io.roam.web.HttpProblem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hosts and the VMs the grid wants on them: the manager writes each host's desired domains, the
 * host's vm-node reconciles libvirt with them and reports what it sees.
 */
public final class HostService {
  /** Guest ports of the agent's API and its migration port, forwarded from the host. */
  public static final int AGENT_PORT = 7070;

  public static final int MIGRATION_PORT = 7071;

  /** Host ports handed out for forwards, from here up. */
  public static final int FIRST_HOST_PORT = 21000;

  private final HostStore hosts;
  private final GridStore grid;

  public HostService(HostStore hosts, GridStore grid) {
    this.hosts = hosts;
    this.grid = grid;
  }

  public List<HostRecord> hosts() {
    return hosts.hosts();
  }

  public List<VmSummary> vms() {
    List<VmSummary> out = new ArrayList<>();
    for (HostRecord host : hosts.hosts()) {
      out.addAll(vms(host.id()));
    }
    return out;
  }

  public List<VmSummary> vms(HostId id) {
    Optional<HostRecord> host = hosts.host(id);
    List<DesiredDomain> wanted =
        hosts.desiredState(id).map(v -> v.value().domains()).orElse(List.of());
    List<VmSummary> out = new ArrayList<>();
    for (DesiredDomain d : wanted) {
      String state =
          host.flatMap(h -> h.domains().stream().filter(x -> d.node().equals(x.node())).findFirst())
              .map(HostRecord.Domain::state)
              .orElse("pending");
      out.add(new VmSummary(id, d.node(), d.cluster(), d.vcpus(), d.memoryMib(), d.image(), state));
    }
    return out;
  }

  /** Adds {@code count} nodes of a cluster on a host; returns them. */
  public synchronized List<VmSummary> add(HostId id, AddVmsRequest request) {
    HostRecord host =
        hosts
            .host(id)
            .orElseThrow(
                () -> new HttpProblem(404, "unknown host '" + id + "' (see gridctl host list)"));
    if (grid.cluster(request.cluster()).isEmpty()) {
      throw new HttpProblem(404, "unknown cluster '" + request.cluster() + "'");
    }
    List<DesiredDomain> existing =
        hosts
            .desiredState(id)
            .map(Versioned::value)
            .map(HostDesiredState::domains)
            .orElse(List.of());
    // What the grid has already asked of this host counts against its size (libvirt's free
    // figures move with the host's own use and caches).
    long vcpusWanted = existing.stream().mapToLong(DesiredDomain::vcpus).sum();
    long mibWanted = existing.stream().mapToLong(DesiredDomain::memoryMib).sum();
    long vcpusFree = host.cpus() - vcpusWanted;
    long mibFree = (host.memoryBytes() >> 20) - mibWanted;
    if ((long) request.vcpus() * request.count() > vcpusFree
        || request.memoryMib() * request.count() > mibFree) {
      throw new HttpProblem(
          409,
          "host "
              + id
              + " has "
              + vcpusFree
              + " vCPUs and "
              + mibFree
              + " MiB not yet given to VMs, not enough for "
              + request.count()
              + " x ("
              + request.vcpus()
              + " vCPUs, "
              + request.memoryMib()
              + " MiB)");
    }
    List<DesiredDomain> domains =
        new ArrayList<>(
            hosts
                .desiredState(id)
                .map(Versioned::value)
                .map(HostDesiredState::domains)
                .orElse(List.of()));
    Set<NodeId> taken = new HashSet<>();
    hosts
        .hosts()
        .forEach(
            h ->
                hosts
                    .desiredState(h.id())
                    .ifPresent(v -> v.value().domains().forEach(d -> taken.add(d.node()))));
    grid.nodes().forEach(n -> taken.add(n.id()));
    Set<Integer> ports = new HashSet<>();
    domains.forEach(d -> d.ports().forEach(p -> ports.add(p.hostPort())));
    List<NodeId> added = new ArrayList<>();
    int next = 1;
    int port = FIRST_HOST_PORT;
    try {
      for (int i = 0; i < request.count(); i++) {
        NodeId node;
        do {
          node = NodeId.of(request.cluster().value() + "-v" + next++);
        } while (taken.contains(node));
        taken.add(node);
        while (ports.contains(port) || ports.contains(port + 1)) {
          port += 2;
        }
        ports.add(port);
        ports.add(port + 1);
        domains.add(
            new DesiredDomain(
                node,
                request.cluster(),
                request.vcpus(),
                request.memoryMib(),
                request.image(),
                request.imageSha256(),
                List.of(
                    new PortForward(port, AGENT_PORT), new PortForward(port + 1, MIGRATION_PORT)),
                request.boot()));
        added.add(node);
      }
      hosts.putDesiredState(id, new HostDesiredState(domains));
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage());
    }
    return vms(id).stream().filter(v -> added.contains(v.node())).toList();
  }

  /** The cluster of a node wanted on a host, if it is. */
  public Optional<io.roam.common.id.ClusterId> clusterOf(HostId id, NodeId node) {
    return hosts.desiredState(id).stream()
        .flatMap(v -> v.value().domains().stream())
        .filter(d -> d.node().equals(node))
        .map(DesiredDomain::cluster)
        .findFirst();
  }

  /** Gives a node back; refused while jobs run on it (move them first). */
  public synchronized void remove(HostId id, NodeId node) {
    List<DesiredDomain> domains =
        new ArrayList<>(
            hosts
                .desiredState(id)
                .map(Versioned::value)
                .map(HostDesiredState::domains)
                .orElse(List.of()));
    if (domains.stream().noneMatch(d -> d.node().equals(node))) {
      throw new HttpProblem(404, "host " + id + " has no VM for node " + node);
    }
    List<JobRecord> onIt =
        grid.jobs().stream().filter(j -> j.node().equals(node) && !j.state().terminal()).toList();
    if (!onIt.isEmpty()) {
      throw new HttpProblem(
          409,
          "node "
              + node
              + " still runs "
              + onIt.size()
              + " job(s) ("
              + onIt.get(0).id()
              + (onIt.size() > 1 ? ", ..." : "")
              + "): migrate them elsewhere first (gridctl migrate JOB NODE)");
    }
    domains.removeIf(d -> d.node().equals(node));
    hosts.putDesiredState(id, new HostDesiredState(domains));
  }
}
