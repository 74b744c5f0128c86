package org.srinode.series;

import java.time.Instant;

/**
 * A series as the node tracks it.
 *
 * @param seriesUid       Series Instance UID
 * @param studyUid        Study Instance UID
 * @param modality        Modality of its first instance
 * @param state           RECEIVING or COMPLETE
 * @param generation      1, then +1 each time a late instance re-opens it
 * @param instances       instances spooled
 * @param firstReceivedAt first instance of this generation
 * @param lastReceivedAt  latest instance
 * @param completedAt     when it was completed, null while receiving
 */
public record SeriesInfo(String seriesUid, String studyUid, String modality, String state, int generation, int instances,
                         Instant firstReceivedAt, Instant lastReceivedAt, Instant completedAt) {
}
