package org.srinode.series;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.db.Database;
import org.srinode.db.Tx;
import org.srinode.dicom.AlreadyHeldException;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.LogText;
import org.srinode.spool.Spool;
import org.srinode.spool.SpooledInstance;

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
     * reason, and start-up goes on: data never stop the node from starting. A file the database could not take
     * for a reason of its own ({@link #isDataFault}) stays in the spool for the next start. In a cluster another ingest
     * node may be registering the same file at this moment: registration is idempotent, so both succeed. A file of an
     * instance whose row names another copy that exists (a re-send's earlier file that was not removed, a copy whose
     * registration failed) is removed once it is older than {@link Spool#STALE_PART} (younger, it may be another ingest
     * node's registration in progress); when the file the row names is gone, this copy is registered in its place.
     */
    void recover(@Observes StartupEvent ev) throws IOException {
        if (!ingestRole) {
            return; // the spool is recovered by the ingest nodes (SRI_NODE_ROLES)
        }
        Map<String, String> pathBySop = Tx.run(ds, c -> {
            Map<String, String> rows = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT sop_uid, path FROM instance");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getString(2));
                }
            }
            return rows;
        });
        Set<String> known = new HashSet<>(pathBySop.values());
        int added = 0;
        int quarantined = 0;
        int left = 0;
        int superseded = 0;
        Spool spool = new Spool(spoolDir, 0);
        for (Path f : spool.committedFiles()) {
            if (known.contains(f.toString())) {
                continue;
            }
            try {
                SpooledInstance copy = spool.reopen(f);
                String named = pathBySop.get(copy.header().sopInstanceUid());
                if (named != null && Files.exists(Path.of(named))) {
                    // another copy of a registered instance: a re-send's earlier file not removed, or a copy whose
                    // registration failed; or, in a cluster, a copy another ingest node registers at this moment
                    if (olderThanAnyWrite(f)) {
                        Files.deleteIfExists(f);
                        superseded++;
                    }
                    continue;
                }
                assembler.onInstance(copy); // no row, or a row naming a file that is gone: this copy is the instance
                added++;
            } catch (java.nio.file.NoSuchFileException gone) {
                // another ingest node of the cluster quarantined it meanwhile (reopen's size after its read)
            } catch (IOException e) { // reopen wraps a failed read into InvalidDicomException (quarantined below);
                // this is its file size failing after the read: the file stays, the start-up goes on
                left++;
                LOG.errorf("start-up: spooled file %s cannot be read (%s); it stays in the spool", f, e);
            } catch (AlreadyHeldException e) { // a copy of the node's own output, received before the crash
                try {
                    if (registered(f)) { // registered meanwhile (another node of another version): it stays
                        continue;
                    }
                    Files.deleteIfExists(f);
                    LOG.infof("start-up: spooled file %s dropped: %s", f.getFileName(), e.getMessage());
                } catch (IOException | RuntimeException d) { // the file, or the database: it stays for the next start
                    left++;
                    LOG.warnf("start-up: spooled copy %s of the node's own output not removed now: %s", f, d);
                }
            } catch (InvalidDicomException | RuntimeException e) {
                if (!isDataFault(e)) {
                    // the database failed, not the file (connection, lock, a rollback), or the node could not check
                    // it now: the file stays where it is and the next start registers it; it may already be
                    // acknowledged to the modality
                    left++;
                    LOG.warnf(
                            "start-up: spooled file %s not registered now (%s); it stays in the spool for the next start",
                            f.getFileName(), LogText.escape(e.getMessage()));
                    continue;
                }
                try {
                    Path q = spool.quarantine(f, e.getMessage());
                    quarantined++;
                    LOG.warnf(
                            "start-up: spooled file %s cannot be registered (%s); moved to %s",
                            f.getFileName(), LogText.escape(e.getMessage()), q);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // another ingest node of the cluster quarantined (or registered and replaced) it meanwhile
                } catch (IOException q) { // the start-up goes on: one file must not keep the node down
                    left++;
                    LOG.errorf(
                            "start-up: spooled file %s cannot be registered (%s) nor quarantined (%s); it stays in the "
                                    + "spool for the next start",
                            f, LogText.escape(e.getMessage()), q);
                }
            }
        }
        if (left > 0) {
            LOG.warnf(
                    "%d spooled file(s) could not be registered now (the database, or a file that cannot be read or moved: "
                            + "see above); they stay in the spool for the next start",
                    left);
        }
        if (added > 0) {
            LOG.infof("recovered %d spooled instance(s) that were not yet registered", added);
        }
        if (superseded > 0) {
            LOG.infof("removed %d spooled file(s) of instances registered with another copy of theirs", superseded);
        }
        if (quarantined > 0) {
            LOG.warnf("%d spooled file(s) quarantined at start-up, see %s", quarantined, spool.quarantineDirectory());
        }
    }

    /**
     * Whether a file is older than any write of a running association can be ({@link Spool#STALE_PART}): only then is an
     * unregistered copy of a registered instance certainly no other ingest node's registration in progress.
     */
    private static boolean olderThanAnyWrite(Path f) throws IOException {
        return Files.getLastModifiedTime(f)
                        .toInstant()
                        .compareTo(java.time.Instant.now().minus(Spool.STALE_PART))
                < 0;
    }

    /** Whether an instance row names this file now. */
    private boolean registered(Path f) {
        return Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM instance WHERE path = ?")) {
                ps.setString(1, f.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /**
     * Whether a registration failed because of the file (quarantine it) rather than the database (leave it): a file
     * that no longer passes the checks or conflicts with a registered identity, a value the database refuses (SQLSTATE
     * class 22, data exception, e.g. a 28-character Modality; class 23, integrity constraint), or any error that did not
     * come from the database. A connection failure, a lock timeout or a rolled-back transaction is the database's; an
     * {@link InvalidDicomException.Kind#OUT_OF_RESOURCES} refusal (the node could not check it now) is nobody's fault.
     */
    static boolean isDataFault(Throwable e) {
        if (e instanceof InvalidDicomException ide) { // the node could not check it now: not the file's fault
            return ide.kind() != InvalidDicomException.Kind.OUT_OF_RESOURCES;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException q) {
                String state = q.getSQLState();
                return state != null && (state.startsWith("22") || state.startsWith("23"));
            }
        }
        return true;
    }
}
