package org.srinode.pipeline;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The derived (AI-enhanced) series the node writes. */
@ConfigMapping(prefix = "sri.derived")
public interface DerivedSettings {
    /** Folder where derived series are written before they are forwarded. */
    @WithDefault("data/derived")
    String directory();

    /** Series Number given to derived series. */
    @WithDefault("1000")
    int seriesNumber();

    /** Appended to the source Series Description. */
    @WithDefault("[AI-enhanced SRI]")
    String descriptionSuffix();
}
