package io.roam.manager.auth;

import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.model.ClusterRecord;
import io.roam.common.model.JobRecord;
import io.roam.common.model.OperationRecord;
import io.roam.web.BearerAuth;
import io.roam.web.HttpProblem;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who may do what. Pure rules over the caller's token and the records concerned; every refusal is a
 * 403 that says why.
 */
public final class Access {
  private Access() {}

  /** The token the request was authenticated with (set by {@link BearerAuth}). */
  public static TokenRecord caller(RoutingContext ctx) {
    Object p = ctx.get(BearerAuth.PRINCIPAL);
    if (p instanceof TokenRecord t) {
      return t;
    }
    throw new IllegalStateException("route " + ctx.request().path() + " is not authenticated");
  }

  public static void requireAdmin(TokenRecord caller, String what) {
    if (!caller.admin()) {
      throw new HttpProblem(
          403, "only a grid admin may " + what + " (token '" + caller.name() + "' is an owner's)");
    }
  }

  /** Requires that the caller may act as owner of {@code cluster}. */
  public static void requireOwner(TokenRecord caller, ClusterRecord cluster, String what) {
    if (!caller.owns(cluster.id(), cluster.owner())) {
      String why =
          caller.principal().equals(cluster.owner())
              ? "token '" + caller.name() + "' is limited to clusters " + caller.clusters()
              : "cluster "
                  + cluster.id()
                  + " is owned by '"
                  + cluster.owner()
                  + "', not by '"
                  + caller.principal()
                  + "'";
      throw new HttpProblem(403, "you may not " + what + ": " + why);
    }
  }

  /** Whether the caller owns the job (an admin owns every job). */
  public static boolean ownsJob(TokenRecord caller, JobRecord job) {
    return caller.admin() || caller.principal().equals(job.owner());
  }

  /**
   * How the caller may see a job: whole (admin, or its owner), redacted (it runs on, or has its
   * home in, a cluster the caller owns), or not at all.
   *
   * @param clusterOfNode the cluster of a live node, if it is up
   * @param clusterById a cluster's record, if it exists
   */
  public static Optional<JobRecord> visible(
      TokenRecord caller,
      JobRecord job,
      Function<io.roam.common.id.NodeId, Optional<ClusterId>> clusterOfNode,
      Function<ClusterId, Optional<ClusterRecord>> clusterById) {
    if (ownsJob(caller, job)) {
      return Optional.of(job);
    }
    boolean onMine =
        clusterOfNode.apply(job.node()).flatMap(clusterById).map(c -> owns(caller, c)).orElse(false)
            || clusterById.apply(job.homeCluster()).map(c -> owns(caller, c)).orElse(false);
    return onMine ? Optional.of(job.redacted()) : Optional.empty();
  }

  /**
   * Whether the caller may read a cluster operation: it names the jobs on the cluster (other
   * owners' guests too), so only the cluster's owners and admins may.
   */
  public static boolean mayRead(
      TokenRecord caller,
      OperationRecord op,
      Function<ClusterId, Optional<ClusterRecord>> clusterById) {
    return caller.admin()
        || clusterById.apply(op.cluster()).map(c -> owns(caller, c)).orElse(false);
  }

  private static boolean owns(TokenRecord caller, ClusterRecord c) {
    return caller.owns(c.id(), c.owner());
  }
}
