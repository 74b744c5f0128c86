package org.srinode.pipeline;

import org.apache.camel.Message;
import org.srinode.quality.Assessment;

/** The Assessment as message headers, for the routing rules (routes/*.yaml use them in simple expressions). */
public final class AssessmentHeaders {
    /** Boolean: the series is in scope (MR, greyscale, single-frame, one stack). */
    public static final String APPLICABLE = "SriApplicable";
    /** TRUE, FALSE or UNKNOWN. */
    public static final String LOW_FIELD = "SriLowField";
    /** Boolean: in-plane spacing or matrix worse than the targets. */
    public static final String LOW_RESOLUTION = "SriLowResolution";
    /** Boolean: slice thickness above the target. */
    public static final String THICK_SLICES = "SriThickSlices";
    /** Boolean: missing slices, duplicates, irregular steps, fewer images than announced, Instance Number gaps. */
    public static final String INCOMPLETE = "SriIncomplete";
    /** Boolean: corrupted regions, dropout slices or undecodable pixel data. */
    public static final String CORRUPTED = "SriCorrupted";
    /** Integer: 1, 2 or 4. */
    public static final String RECOMMENDED_SCALE = "SriRecommendedScale";
    /** Comma-separated recommended actions. */
    public static final String ACTIONS = "SriActions";
    /** The reason when not applicable. */
    public static final String NOT_APPLICABLE_REASON = "SriNotApplicableReason";

    private AssessmentHeaders() {}

    public static void set(Message m, Assessment a) {
        m.setHeader(APPLICABLE, a.applicable());
        m.setHeader(LOW_FIELD, a.lowField());
        m.setHeader(LOW_RESOLUTION, a.lowResolution());
        m.setHeader(THICK_SLICES, a.thickSlices());
        m.setHeader(INCOMPLETE, a.incomplete());
        m.setHeader(CORRUPTED, a.corrupted());
        m.setHeader(RECOMMENDED_SCALE, a.recommendedScale());
        m.setHeader(ACTIONS, String.join(",", a.actions()));
        m.setHeader(NOT_APPLICABLE_REASON, a.notApplicableReason());
    }
}
