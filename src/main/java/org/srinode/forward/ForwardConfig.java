package org.srinode.forward;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import org.srinode.jobs.RetryPolicy;

/** Forwarding of complete series to the destination (a PACS AE, or the outbox folder). */
@ConfigMapping(prefix = "sri.forward")
public interface ForwardConfig {
    /** Camel endpoint that receives the series' files: dimse:scu?... for a PACS, the outbox bean by default. */
    @WithDefault("bean:folderDestination?method=store")
    String uri();

    /** Folder destination used when no PACS is configured. */
    @WithDefault("data/outbox")
    String outbox();

    /** Where series that could not be delivered are moved, with the reason. */
    @WithDefault("data/dead-letter")
    String deadLetter();

    /**
     * Retries of a delivery ({@code sri.forward.max-attempts}, {@code initial-backoff}, {@code max-backoff}; defaults 5, 2s,
     * 5m); after the last, the series goes to the dead-letter folder.
     */
    @WithParentName
    RetryPolicy retry();
}
