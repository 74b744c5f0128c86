package org.srinode.series;

import com.fasterxml.jackson.annotation.JsonIgnore;
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
 * @param assessment      the assessment of the current generation as JSON, null until assessed
 * @param decision        what the routing rules decided (ENHANCE, FORWARD_ONLY), null until decided
 * @param consistency     data-consistency score of the enhancement, null until enhanced
 * @param outcome         ENHANCED, FLAGGED or HELD once enhanced
 */
public record SeriesInfo(String seriesUid, String studyUid, String modality, String state, int generation, int instances,
                         Instant firstReceivedAt, Instant lastReceivedAt, Instant completedAt,
                         @JsonIgnore String assessment, String decision, Double consistency, String outcome) {
}
