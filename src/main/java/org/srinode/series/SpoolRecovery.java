package org.srinode.series;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.db.Database;
import org.srinode.db.Tx;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.LogText;
import org.srinode.spool.Spool;

/**
 * Start-up recovery of the spool (issue 11): the instances acknowledged just before a crash, on disk but not yet in
 * the database, are registered through {@link SeriesAssembler#onInstance}; a file that cannot be is quarantined with
 * its reason. Runs on the ingest nodes only (SRI_NODE_ROLES).
 */
@ApplicationScoped
public class SpoolRecovery {
    private static final Logger LOG = Logger.getLogger(SpoolRecovery.class);
    private final DataSource ds;
    private final SeriesAssembler assembler;
    private final Path spoolDir;
    private final boolean ingestRole;

    @Inject
    public SpoolRecovery(
            Database db,
            SeriesAssembler assembler,
            @ConfigProperty(name = "sri.spool.directory") String spoolDir,
            @ConfigProperty(name = "sri.role.ingest", defaultValue = "true") boolean ingestRole) {
        this.ds = db.dataSource();
        this.assembler = assembler;
        this.spoolDir = Path.of(spoolDir);
        this.ingestRole = ingestRole;
    }

    /**
     * Registers what is in the spool but not in the database (an instance acknowledged just before a
     * crash). A file that cannot be registered (it no longer parses, a value the node cannot store, a
     * SOP Instance UID already used in another series) is moved to the spool's quarantine with the
     * reason, and start-up goes on: data never stop the node from starting.
     */
    void recover(@Observes StartupEvent ev) throws IOException {
        if (!ingestRole) {
            return; // the spool is recovered by the ingest nodes (SRI_NODE_ROLES)
        }
        Set<String> known = new HashSet<>(Tx.run(ds, c -> {
            List<String> uids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT sop_uid, path FROM instance");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    uids.add(rs.getString(2));
                }
            }
            return uids;
        }));
        int added = 0;
        int quarantined = 0;
        Spool spool = new Spool(spoolDir, 0);
        for (Path f : spool.committedFiles()) {
            if (known.contains(f.toString())) {
                continue;
            }
            try {
                assembler.onInstance(spool.reopen(f));
                added++;
            } catch (InvalidDicomException | RuntimeException e) {
                Path q = spool.quarantine(f, e.getMessage());
                quarantined++;
                LOG.warnf(
                        "start-up: spooled file %s cannot be registered (%s); moved to %s",
                        f.getFileName(), LogText.escape(e.getMessage()), q);
            }
        }
        if (added > 0) {
            LOG.infof("recovered %d spooled instance(s) that were not yet registered", added);
        }
        if (quarantined > 0) {
            LOG.warnf("%d spooled file(s) quarantined at start-up, see %s", quarantined, spool.quarantineDirectory());
        }
    }
}
