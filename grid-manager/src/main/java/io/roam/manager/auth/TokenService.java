package io.roam.manager.auth;

import io.roam.common.api.CreateTokenRequest;
import io.roam.common.api.TokenInfo;
import io.roam.common.auth.Role;
import io.roam.common.auth.TokenRecord;
import io.roam.common.id.ClusterId;
import io.roam.common.model.ClusterRecord;
import io.roam.manager.view.GridView;
import io.roam.store.TokenStore;
import io.roam.web.BearerAuth;
import io.roam.web.HttpProblem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * API tokens: created, listed and revoked by admins; looked up by hash on every request (from the
 * read model, never from ZooKeeper). The secret is returned once, at creation; the store keeps only
 * its SHA-256.
 */
public final class TokenService {
  /** Name of the bootstrap admin token when the manager is given one admin token hash. */
  public static final String BOOTSTRAP_ADMIN = "admin";

  private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

  private final TokenStore store;
  private final GridView view;
  private final Clock clock;

  public TokenService(TokenStore store, GridView view, Clock clock) {
    this.store = store;
    this.view = view;
    this.clock = clock;
  }

  /**
   * Makes the configured admin token hashes the bootstrap admin tokens, replacing those of an
   * earlier start (so the previous local grid's token stops working). Runs before the view starts.
   */
  public static void seedAdmins(TokenStore store, Set<String> hashes, Clock clock) {
    List<String> sorted = hashes.stream().sorted().toList();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      String name = sorted.size() == 1 ? BOOTSTRAP_ADMIN : BOOTSTRAP_ADMIN + "-" + (i + 1);
      names.add(name);
      store.put(
          new TokenRecord(name, sorted.get(i), Role.ADMIN, name, List.of(), true, clock.instant()));
    }
    for (TokenRecord t : store.tokens()) {
      if (t.bootstrap() && !names.contains(t.name())) {
        store.delete(t.name());
      }
    }
  }

  /** Who holds a token, given its SHA-256 (hex). */
  public Optional<TokenRecord> byHash(String sha256) {
    return view.tokenByHash(sha256);
  }

  public List<TokenInfo> list(TokenRecord caller) {
    Access.requireAdmin(caller, "list tokens");
    return view.tokens().stream().map(TokenInfo::of).toList();
  }

  public TokenInfo create(TokenRecord caller, CreateTokenRequest request) {
    Access.requireAdmin(caller, "create tokens");
    String principal = request.effectivePrincipal();
    List<String> problems = new ArrayList<>();
    List<ClusterId> clusters = new ArrayList<>();
    for (String c : request.clusters()) {
      ClusterId id = ClusterId.of(c);
      Optional<ClusterRecord> cluster = view.cluster(id);
      if (cluster.isEmpty()) {
        problems.add("clusters: no cluster " + c);
      } else if (!cluster.get().owner().equals(principal)) {
        problems.add(
            "clusters: "
                + c
                + " is owned by '"
                + cluster.get().owner()
                + "', not '"
                + principal
                + "'");
      }
      clusters.add(id);
    }
    if (!problems.isEmpty()) {
      throw new HttpProblem(
          422, "the token's clusters must exist and be owned by its principal", problems);
    }
    if (view.token(request.name()).isPresent()) {
      throw new HttpProblem(409, "a token named '" + request.name() + "' exists already");
    }
    String secret = Secrets.newToken();
    TokenRecord token =
        new TokenRecord(
            request.name(),
            BearerAuth.sha256(secret),
            request.role(),
            principal,
            List.copyOf(clusters),
            false,
            clock.instant());
    store.create(token);
    view.await(() -> view.token(token.name()).isPresent(), VISIBLE_WITHIN);
    return TokenInfo.of(token).withSecret(secret);
  }

  public void revoke(TokenRecord caller, String name) {
    Access.requireAdmin(caller, "revoke tokens");
    if (caller.name().equals(name)) {
      throw new HttpProblem(
          409, "token '" + name + "' is the one making this request: revoke it with another");
    }
    if (!TokenRecord.NAME.matcher(name).matches() || !store.delete(name)) {
      throw new HttpProblem(404, "no token named '" + name + "' (see gridctl token list)");
    }
    view.await(() -> view.token(name).isEmpty(), VISIBLE_WITHIN);
  }
}
