package org.srinode.series;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Series assembly: when a series counts as complete. */
@ConfigMapping(prefix = "sri.series")
public interface SeriesConfig {
    /** A series is complete when no instance arrived for this long. */
    @WithDefault("10s")
    Duration idleTimeout();

    /** A series still receiving this long after its first instance is completed anyway. */
    @WithDefault("10m")
    Duration forceCompleteAfter();

    /**
     * Forward every acquired series untouched to the destination (true), or only the derived series
     * (false: the modality also sends to the PACS directly and the node receives a copy).
     */
    @WithDefault("true")
    boolean forwardOriginals();
}
