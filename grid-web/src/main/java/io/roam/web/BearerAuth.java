package io.roam.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checks {@code Authorization: Bearer TOKEN}. Tokens are known only by their SHA-256 hash; the
 * principal found for the hash is put in the context under {@link #PRINCIPAL}.
 */
public final class BearerAuth implements Handler<RoutingContext> {
  public static final String PRINCIPAL = "roam.principal";

  private final Function<String, Optional<?>> principalByHash;

  /**
   * @param principalByHash looks up who holds a token, given the hex SHA-256 of the token
   */
  public BearerAuth(Function<String, Optional<?>> principalByHash) {
    this.principalByHash = principalByHash;
  }

  /** Accepts exactly one secret (compared by hash, in constant time). */
  public static BearerAuth single(String secret, Object principal) {
    byte[] expected = sha256(secret).getBytes(StandardCharsets.US_ASCII);
    return new BearerAuth(
        hash ->
            MessageDigest.isEqual(expected, hash.getBytes(StandardCharsets.US_ASCII))
                ? Optional.of(principal)
                : Optional.empty());
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      Problems.send(
          ctx, 401, "missing bearer token: send 'Authorization: Bearer TOKEN' (see gridctl up)");
      return;
    }
    Optional<?> principal = principalByHash.apply(sha256(header.substring(7).trim()));
    if (principal.isEmpty()) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      Problems.send(ctx, 401, "unknown or revoked token");
      return;
    }
    ctx.put(PRINCIPAL, principal.get());
    ctx.next();
  }

  public static String sha256(String token) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
