package io.roam.common.api;

import io.roam.common.id.JobId;
import io.roam.common.id.NodeId;

/**
 * A migration under way; its outcome appears on the job's record as {@code lastMigration} with the
 * same {@code attempt}.
 */
public record MigrationAccepted(JobId job, String attempt, NodeId from, NodeId to) {}
