package io.roam.common.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A bearer token as the grid stores it: only the SHA-256 of the token, never the token itself.
 *
 * @param name unique, chosen by the admin who created it; names the token in listings and
 *     revocation
 * @param sha256 lower-case hex SHA-256 of the token
 * @param principal who acts with this token: the owner name that clusters' {@code owner} field and
 *     jobs' {@code owner} field refer to
 * @param clusters for an owner token, the only clusters it may act on (empty: all clusters the
 *     principal owns, including ones created later); always empty for an admin token
 * @param bootstrap created by the manager at start from its configured admin token hashes (the
 *     local grid's admin token); replaced at the next start
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenRecord(
    String name,
    String sha256,
    Role role,
    String principal,
    List<ClusterId> clusters,
    boolean bootstrap,
    Instant createdAt) {
  public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public TokenRecord {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("token name '" + name + "' is not valid");
    }
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("token " + name + ": sha256 must be 64 hex digits");
    }
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(createdAt, "createdAt");
    if (principal == null || !NAME.matcher(principal).matches()) {
      throw new IllegalArgumentException("token " + name + ": principal is not valid");
    }
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    if (role == Role.ADMIN && !clusters.isEmpty()) {
      throw new IllegalArgumentException("token " + name + ": an admin token has no cluster list");
    }
  }

  /** May this token act as owner of a cluster owned by {@code owner}? */
  public boolean owns(ClusterId cluster, String owner) {
    return role == Role.ADMIN
        || (principal.equals(owner) && (clusters.isEmpty() || clusters.contains(cluster)));
  }

  public boolean admin() {
    return role == Role.ADMIN;
  }
}
