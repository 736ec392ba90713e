package io.roam.common.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.auth.Role;
import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import java.time.Instant;
import java.util.List;

/**
 * A token as the API lists it: never its secret, nor its hash.
 *
 * @param token the secret itself: present only in the answer that created it, shown once
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenInfo(
    String name,
    Role role,
    String principal,
    List<ClusterId> clusters,
    boolean bootstrap,
    Instant createdAt,
    String token) {
  public TokenInfo {
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
  }

  public static TokenInfo of(TokenRecord t) {
    return new TokenInfo(
        t.name(), t.role(), t.principal(), t.clusters(), t.bootstrap(), t.createdAt(), null);
  }

  public TokenInfo withSecret(String secret) {
    return new TokenInfo(name, role, principal, clusters, bootstrap, createdAt, secret);
  }
}
