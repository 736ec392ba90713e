package io.roam.common.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.roam.common.model.ClusterPolicy;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * Asks for a new cluster (state ATTACHED, no nodes yet).
 *
 * @param owner its owner principal; an owner may only name themself (the default), an admin anyone
 * @param policy its guest policy; default {@link ClusterPolicy#defaults()}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateClusterRequest(
    @NotNull @Pattern(regexp = CreateTokenRequest.NAME, message = CreateTokenRequest.NAME_MESSAGE)
        String id,
    @Pattern(regexp = CreateTokenRequest.NAME, message = CreateTokenRequest.NAME_MESSAGE)
        String owner,
    @Valid ClusterPolicy policy) {}
