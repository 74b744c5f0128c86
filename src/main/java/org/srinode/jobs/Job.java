package org.srinode.jobs;

import java.time.Instant;

/**
 * One unit of durable work on a series generation.
 *
 * @param id         job id
 * @param kind       what to do (e.g. FORWARD)
 * @param seriesUid  Series Instance UID
 * @param generation series generation (a late instance re-opens a series as the next generation)
 * @param state      where it stands ({@link JobState})
 * @param attempts   failed attempts so far
 * @param nextAttemptAt when it may run next
 * @param lastError  reason of the last failure
 * @param claimedBy  the node that claimed it last ({@code sri.node.id}), null before its first claim
 * @param leaseUntil while RUNNING: until when the claim holds unless renewed (then any node may claim it again); else null
 */
public record Job(
        long id,
        JobKind kind,
        String seriesUid,
        int generation,
        JobState state,
        int attempts,
        Instant nextAttemptAt,
        String lastError,
        String claimedBy,
        Instant leaseUntil) {}
