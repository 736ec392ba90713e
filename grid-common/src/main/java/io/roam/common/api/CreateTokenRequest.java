package io.roam.common.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.auth.Role;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Asks for a new token (admin only).
 *
 * @param principal who acts with it; defaults to {@code name}
 * @param clusters for an owner token: the clusters it may act on, each owned by the principal
 *     (empty: every cluster the principal owns)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CreateTokenRequest(
    @NotNull @Pattern(regexp = NAME, message = NAME_MESSAGE) String name,
    @NotNull Role role,
    @Pattern(regexp = NAME, message = NAME_MESSAGE) String principal,
    @Size(max = 100)
        List<@NotNull @Pattern(regexp = NAME, message = NAME_MESSAGE) String> clusters) {
  public static final String NAME = "[a-z][a-z0-9-]{0,39}";
  public static final String NAME_MESSAGE =
      "must be 1 to 40 lower-case letters, digits or '-', starting with a letter";

  public CreateTokenRequest {
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
  }

  /** The principal, defaulting to the token's name. */
  public String effectivePrincipal() {
    return principal == null ? name : principal;
  }

  @JsonIgnore
  @AssertTrue(message = "an admin token acts on every cluster: give no clusters")
  public boolean isClusterListFitsRole() {
    return role != Role.ADMIN || clusters.isEmpty();
  }
}
