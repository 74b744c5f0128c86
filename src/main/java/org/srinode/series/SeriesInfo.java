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
 * @param outcome         ENHANCED, FLAGGED or HELD once enhanced; RELEASED or DISCARDED after an operator's action
 * @param derivedFrom     for a derived series: the source series it was made from
 * @param model           for a derived series: the model name and version that made it
 * @param fhirRef         for a derived series: the ImagingStudy on the FHIR server that lists it, once published
 * @param outcomeReason   why the outcome is what it is, in words (e.g. why a series is out of the model's scope)
 * @param supersededBy    for a derived series replaced by a later generation of its source: what replaced it (the new
 *                        derived Series Instance UID, or the rejection note's when the source was not enhanced again, or
 *                        DISCARDED when an operator discarded it); null while current
 * @param enhanceRun      for an acquired series: 1, then +1 each time an operator has it enhanced again (part of the derived UIDs)
 */
public record SeriesInfo(
        String seriesUid,
        String studyUid,
        String modality,
        String state,
        int generation,
        int instances,
        Instant firstReceivedAt,
        Instant lastReceivedAt,
        Instant completedAt,
        @JsonIgnore String assessment,
        String decision,
        Double consistency,
        Outcome outcome,
        String derivedFrom,
        String model,
        String fhirRef,
        String outcomeReason,
        String supersededBy,
        int enhanceRun) {}
