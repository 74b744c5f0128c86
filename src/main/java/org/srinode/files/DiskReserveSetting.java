package org.srinode.files;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Gives {@link DurableFiles} the node's disk reserve at start-up ({@code SRI_SPOOL_RESERVE_MB}, the same reserve the
 * Storage SCP keeps free in the spool), before any job runs: derived series, Segmentations, rejection notes, outbox
 * and dead-letter copies then never take a file system below it either.
 */
@ApplicationScoped
public class DiskReserveSetting {
    private final long reserveMb;

    public DiskReserveSetting(@ConfigProperty(name = "sri.spool.reserve-mb") long reserveMb) {
        this.reserveMb = reserveMb;
    }

    void apply(@Observes @Priority(1) StartupEvent ev) {
        DurableFiles.reserve(reserveMb << 20);
    }
}
