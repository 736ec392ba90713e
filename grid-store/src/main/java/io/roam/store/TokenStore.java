package io.roam.store;

import io.roam.common.auth.TokenRecord;
import java.util.List;
import java.util.Optional;

/** API tokens, each stored under its name with only the SHA-256 of its secret. */
public interface TokenStore {
  /**
   * Stores a new token.
   *
   * @throws ConflictException if a token of that name exists
   */
  void create(TokenRecord token);

  /** Creates or replaces the token of that name. */
  void put(TokenRecord token);

  Optional<TokenRecord> token(String name);

  /** All tokens, by name. */
  List<TokenRecord> tokens();

  /** Deletes the token; false if there was none of that name. */
  boolean delete(String name);
}
