package org.srinode.security;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** Logs, once at start-up, how HTTP is secured as {@link HttpsSetup} decided it (certificate file and fingerprint, never a secret). */
@ApplicationScoped
public class HttpsStatus {
    private static final Logger LOG = Logger.getLogger(HttpsStatus.class);

    void started(@Observes StartupEvent event) {
        String described = System.getProperty("sri.http.describe");
        if (described == null) {
            LOG.warn(
                    "HTTP security was not set up by org.srinode.NodeMain (started another way?): Quarkus' own HTTP settings apply");
        } else if (described.startsWith("HTTP without TLS")) {
            LOG.warn(described);
        } else {
            LOG.info(described);
        }
    }
}
