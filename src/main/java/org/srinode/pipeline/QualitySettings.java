package org.srinode.pipeline;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.srinode.quality.QualityTargets;

/** Targets of the acquisition assessment. */
@ConfigMapping(prefix = "sri.quality")
public interface QualitySettings {
    /** Below this Magnetic Field Strength (tesla) a series is low field. */
    @WithDefault("1.5")
    double lowFieldTesla();

    /** In-plane pixel spacing (mm) above which a series is low resolution. */
    @WithDefault("1.0")
    double targetPixelSpacingMm();

    /** Slice thickness (mm) above which slices are thick. */
    @WithDefault("3.0")
    double targetSliceThicknessMm();

    /** Rows or columns below this are a low matrix. */
    @WithDefault("256")
    int targetMatrix();

    /** Relative deviation of a slice step from the nominal step that is still regular. */
    @WithDefault("0.1")
    double spacingTolerance();

    default QualityTargets targets() {
        return new QualityTargets(
                lowFieldTesla(), targetPixelSpacingMm(), targetSliceThicknessMm(), targetMatrix(), spacingTolerance());
    }

    /** Retries of an assessment ({@code sri.quality.max-attempts}, {@code initial-backoff}, {@code max-backoff}; defaults 3, 5s, 1m). */
    @io.smallrye.config.WithParentName
    org.srinode.jobs.RetryPolicy retry();
}
