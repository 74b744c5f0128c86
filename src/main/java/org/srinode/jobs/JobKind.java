package org.srinode.jobs;

/**
 * What a job does; one stage (route) claims each kind. The queue's API takes only these ({@link JobQueue}); the column
 * holds {@link #name()}, and the database accepts no other value (migration V4).
 */
public enum JobKind {
    /** Deliver a series to the destination (route forward, forward.Forwarder). */
    FORWARD,
    /** Assess a complete series and apply the routing rules (route assess, pipeline.AssessStage). */
    ASSESS,
    /** Enhance a series with the model (route enhance, pipeline.EnhanceStage). */
    ENHANCE,
    /** Publish a derived series, or its withdrawal, on the FHIR server (route publish, pipeline.PublishStage). */
    PUBLISH
}
