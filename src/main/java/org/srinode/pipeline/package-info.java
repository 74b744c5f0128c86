/**
 * The node's stages between a complete series and the PACS and EHR: assessment ({@link org.srinode.pipeline.AssessStage}),
 * enhancement ({@link org.srinode.pipeline.EnhanceStage}, {@link org.srinode.pipeline.SeriesEnhancement},
 * {@link org.srinode.pipeline.Supersession}) and FHIR publication ({@link org.srinode.pipeline.PublishStage}), each
 * claiming its jobs from {@link org.srinode.jobs.JobQueue} and recording results through
 * {@link org.srinode.series.SeriesRecords}.
 *
 * <p>The settings of assessment, enhancement, derived series and the safety check
 * ({@code QualitySettings}, {@code EnhanceConfig}, {@code DerivedSettings}, {@code SafetySettings}) are mapped here,
 * next to the stages that read them, and not in {@code quality}, {@code enhance} or {@code derived}: those packages hold
 * the domain code and know no framework (ArchitectureTest), so a test or a tool uses them without a container. The
 * features that are one package each ({@code series}, {@code forward}, {@code fhir}) keep their mapping in it.
 */
package org.srinode.pipeline;
