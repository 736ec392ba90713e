package io.roam.manager.api;

import io.roam.common.api.AddVmsRequest;
import io.roam.common.api.ApiPaths;
import io.roam.common.id.ClusterId;
import io.roam.common.id.HostId;
import io.roam.common.id.NodeId;
import io.roam.common.model.ClusterRecord;
import io.roam.manager.auth.Access;
import io.roam.manager.hosts.HostService;
import io.roam.store.GridStore;
import io.roam.web.Bodies;
import io.roam.web.HttpProblem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/** Routes of hosts and their VMs. */
public final class HostsApi {
  private final HostService hosts;
  private final GridStore store;

  public HostsApi(HostService hosts, GridStore store) {
    this.hosts = hosts;
    this.store = store;
  }

  /** An owner asks for and gives back nodes of their own clusters only (admins: any). */
  private void requireOwner(RoutingContext ctx, ClusterId id, String what) {
    ClusterRecord cluster =
        store.cluster(id).orElseThrow(() -> new HttpProblem(404, "unknown cluster '" + id + "'"));
    Access.requireOwner(Access.caller(ctx), cluster, what);
  }

  public void mount(Router router) {
    router.get(ApiPaths.HOSTS).blockingHandler(ctx -> Bodies.json(ctx, 200, hosts.hosts()), false);
    router.get(ApiPaths.VMS).blockingHandler(ctx -> Bodies.json(ctx, 200, hosts.vms()), false);
    router
        .post(ApiPaths.HOSTS + "/:host/vms")
        .blockingHandler(
            ctx ->
                Bodies.json(
                    ctx,
                    201,
                    hosts.add(
                        param(ctx, "host", HostId::of), Bodies.read(ctx, AddVmsRequest.class))),
            false);
    router
        .delete(ApiPaths.HOSTS + "/:host/vms/:node")
        .blockingHandler(
            ctx -> {
              HostId host = param(ctx, "host", HostId::of);
              NodeId node = param(ctx, "node", NodeId::of);
              hosts
                  .clusterOf(host, node)
                  .ifPresent(
                      c -> requireOwner(ctx, c, "give back node " + node + " of cluster " + c));
              hosts.remove(host, node);
              ctx.response().setStatusCode(204).end();
            },
            false);
  }

  private static <T> T param(RoutingContext ctx, String name, Function<String, T> parse) {
    try {
      return parse.apply(ctx.pathParam(name));
    } catch (IllegalArgumentException e) {
      throw new HttpProblem(400, e.getMessage());
    }
  }
}
