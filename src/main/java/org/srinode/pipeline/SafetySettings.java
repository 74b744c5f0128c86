package org.srinode.pipeline;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The data-consistency check of every enhanced series. */
@ConfigMapping(prefix = "sri.safety")
public interface SafetySettings {
    /** Largest accepted consistency score (RMS of enhanced-averaged-back minus input, over the input's 99th percentile). */
    @WithDefault("0.15")
    double maxInconsistency();

    /** Above it: HOLD (written, not forwarded) or FLAG (forwarded with "CHECK" in its description). */
    @WithDefault("HOLD")
    String onExceed();
}
