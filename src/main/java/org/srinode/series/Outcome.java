package org.srinode.series;

/**
 * What became of an acquired series the routing rules chose to enhance (column {@code series.outcome}; null while
 * nothing is decided yet, and for series that are only forwarded).
 */
public enum Outcome {
    /** Enhanced within the data-consistency limit; the derived series go to the PACS and the EHR. */
    ENHANCED,
    /** Enhanced above the data-consistency limit and sent, labelled as such (SRI_SAFETY_ON_EXCEED=FLAG). */
    FLAGGED,
    /** Enhanced above the data-consistency limit and kept on the node until an operator decides (HOLD). */
    HELD,
    /** A held enhancement an operator released to the PACS and the EHR. */
    RELEASED,
    /** The derived output an operator discarded: withdrawn from the PACS and the EHR. */
    DISCARDED,
    /** Not enhanced: the acquisition is outside the model's declared scope (the reason says which). */
    OUT_OF_SCOPE,
    /** Not enhanced yet: enhancement was chosen but no model is loaded; queued again once one is. */
    NO_MODEL,
    /**
     * The enhancement failed on every attempt (its job is DEAD; the reason says why): an operator requeues the job or
     * has the series enhanced again. Output of an earlier generation is withdrawn as for a series not enhanced; the output
     * of the run before an operator's re-run stays current.
     */
    FAILED;

    /** The outcome stored as {@code name}, or null for null. */
    static Outcome of(String name) {
        return name == null ? null : valueOf(name);
    }
}
