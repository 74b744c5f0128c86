package org.srinode.pipeline;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.srinode.files.DurableFiles;

/**
 * Gives {@link DurableFiles} the node's disk reserve at start-up ({@code SRI_SPOOL_RESERVE_MB}, the same reserve the
 * Storage SCP keeps free in the spool), as early as Quarkus' start-up event allows (a write in the first moments,
 * should a route start before it, is not checked): derived series, Segmentations, rejection notes and outbox copies
 * then do not take a file system below it either. Dead-letter copies are the exception ({@link
 * DurableFiles#copyLastResort}).
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
