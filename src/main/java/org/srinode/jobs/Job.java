package org.srinode.jobs;

import java.time.Instant;

/**
 * One unit of durable work on a series generation.
 *
 * @param id         job id
 * @param kind       what to do (e.g. FORWARD)
 * @param seriesUid  Series Instance UID
 * @param generation series generation (a late instance re-opens a series as the next generation)
 * @param state      PENDING, RUNNING, DONE or DEAD
 * @param attempts   failed attempts so far
 * @param nextAttemptAt when it may run next
 * @param lastError  reason of the last failure
 */
public record Job(long id, String kind, String seriesUid, int generation, String state, int attempts, Instant nextAttemptAt,
                  String lastError) {
}
