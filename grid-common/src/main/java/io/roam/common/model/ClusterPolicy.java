package io.roam.common.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.id.ClusterId;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a cluster's owner allows on their nodes. Local work always comes first; this only says which
 * guests may come, how many, and in which order partners are served.
 *
 * @param acceptGuests whether jobs of other clusters may run here at all
 * @param maxGuests most guest jobs at once on this cluster (0 when guests are not accepted)
 * @param partners per partner cluster: a priority, or a block; clusters not listed get priority
 *     {@link #DEFAULT_PRIORITY}
 * @param localFirst whether the cluster's nodes send guests away (by migration) when the cluster's
 *     own jobs wait for their cores; null: yes
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterPolicy(
    @NotNull Boolean acceptGuests,
    @NotNull @Min(0) @Max(MAX_GUESTS) Integer maxGuests,
    @Size(max = 256) List<@NotNull @Valid PartnerRule> partners,
    Boolean localFirst) {
  public static final int MAX_GUESTS = 100_000;
  public static final int DEFAULT_PRIORITY = 50;

  public ClusterPolicy {
    partners = partners == null ? List.of() : List.copyOf(partners);
  }

  /** A policy with local work first on. */
  public ClusterPolicy(Boolean acceptGuests, Integer maxGuests, List<PartnerRule> partners) {
    this(acceptGuests, maxGuests, partners, null);
  }

  /** Whether guests make way for local work (the default). */
  @JsonIgnore
  public boolean isLocalFirstOn() {
    return localFirst == null || localFirst;
  }

  /** Accepts up to 16 guests from anyone, at the default priority. */
  public static ClusterPolicy defaults() {
    return new ClusterPolicy(true, 16, List.of());
  }

  @JsonIgnore
  @AssertTrue(message = "maxGuests must be 0 when acceptGuests is false")
  public boolean isGuestLimitConsistent() {
    return acceptGuests == null || maxGuests == null || acceptGuests || maxGuests == 0;
  }

  @JsonIgnore
  @AssertTrue(message = "partners: each cluster may be listed once only")
  public boolean isPartnersUnique() {
    Set<String> seen = new HashSet<>();
    return partners.stream()
        .allMatch(p -> p == null || p.cluster() == null || seen.add(p.cluster()));
  }

  /** Problems that need to know which cluster the policy is for. */
  public List<String> checkFor(ClusterId self) {
    return partners.stream()
        .filter(p -> self.value().equals(p.cluster()))
        .map(p -> "partners: cluster " + self + " cannot be its own partner")
        .toList();
  }

  /**
   * How this cluster treats one partner's jobs.
   *
   * @param priority 0 (served last) to 100 (served first); null when blocked
   * @param blocked never accept this partner's jobs
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PartnerRule(
      @NotNull @Pattern(regexp = "[a-z][a-z0-9-]{0,39}", message = "is not a cluster id")
          String cluster,
      @Min(0) @Max(100) Integer priority,
      Boolean blocked) {
    public PartnerRule {
      blocked = blocked != null && blocked;
    }

    @JsonIgnore
    @AssertTrue(message = "give either a priority or blocked=true, not both and not neither")
    public boolean isPriorityOrBlock() {
      return blocked == (priority == null);
    }
  }
}
