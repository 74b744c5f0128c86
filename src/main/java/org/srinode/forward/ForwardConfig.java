package org.srinode.forward;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

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

    /** Attempts before a series goes to the dead-letter folder. */
    @WithDefault("5")
    int maxAttempts();

    /** Wait after the first failure; doubled after each further failure. */
    @WithDefault("2s")
    Duration initialBackoff();

    /** Longest wait between attempts. */
    @WithDefault("5m")
    Duration maxBackoff();
}
