package org.srinode.pipeline;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The data-consistency check of every enhanced series. */
@ConfigMapping(prefix = "sri.safety")
public interface SafetySettings {
    /** Largest accepted consistency score (RMS of enhanced-averaged-back minus input, over the input's 99th percentile). */
    @WithDefault("0.15")
    double maxInconsistency();

    /** What happens to an enhancement whose score is above the limit. */
    enum OnExceed {
        /** Written and kept, not forwarded; an operator may release it. */
        HOLD,
        /** Forwarded with "CHECK" in its description. */
        FLAG
    }

    /**
     * HOLD or FLAG ({@code SRI_SAFETY_ON_EXCEED}); any other value stops the node at start-up with a message that
     * lists the allowed ones (a typo such as FLAGG used to mean HOLD silently).
     */
    @WithDefault("HOLD")
    OnExceed onExceed();
}
