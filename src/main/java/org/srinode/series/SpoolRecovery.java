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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.db.Database;
import org.srinode.db.Tx;
import org.srinode.dicom.AlreadyHeldException;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.LogText;
import org.srinode.files.DurableFiles;
import org.srinode.spool.Spool;

/**
 * Start-up recovery of the spool (issue 11): files on disk that no instance row names (a crash between a write and its
 * registration, a registration whose outcome the node could not learn; none of them was acknowledged, since the
 * Storage SCP answers success only after the row commits) are registered through {@link
 * SeriesAssembler#recoverCopy}, or removed as stray copies of registered instances; a file that cannot be registered
 * is quarantined with its reason. Runs on the ingest nodes only (SRI_NODE_ROLES).
 */
@ApplicationScoped
@jakarta.inject.Named("spoolRecovery")
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
     * Registers what is in the spool but not in the database (see the class comment). A file that cannot be registered (it no longer parses, a value the node cannot store, a
     * SOP Instance UID already used in another series) is moved to the spool's quarantine with the
     * reason, and start-up goes on: data never stop the node from starting. A file the database could not take
     * for a reason of its own ({@link #isDataFault}) stays in the spool for the next sweep. In a cluster another ingest
     * node may be registering the same file at this moment: registration is idempotent, so both succeed. Only files
     * older than {@link Spool#STALE_PART} are looked at (a younger one may be a registration in progress; no instance is
     * acknowledged before its row commits, so none of them waits). A file of an instance whose row names another copy
     * that exists (a re-send's earlier file that was not removed, a copy whose registration failed or whose outcome was
     * unknown) is removed, decided under the series' lock ({@link SeriesAssembler#recoverCopy}; copies are told apart
     * by file name, so rows naming the data's old path after a move still find their copy); when the copy the row names
     * exists nowhere, this copy is registered in its place; when the file system cannot say, the file is left.
     * Such leftovers are settled at start-up and then every hour ({@link #sweep}).
     */
    void recover(@Observes StartupEvent ev) throws IOException {
        sweep();
    }

    /**
     * The recovery of {@link #recover}, run again by the {@code spool-recovery} route every {@code
     * sri.spool.recovery-period-ms} (default an hour): the files that were too young at start-up, and those a
     * registration with an unknown outcome or a failed removal left since, are settled without waiting for a restart.
     *
     * @throws IOException only when the spool cannot be walked at all
     */
    public void sweep() throws IOException {
        if (!ingestRole) {
            return; // the spool is recovered by the ingest nodes (SRI_NODE_ROLES)
        }
        // the age of a file is measured by the clock that stamps the spool's files, read before the rows are: a file
        // written after this instant is young, whatever the clocks of this node and of the file server say
        java.time.Instant now = DurableFiles.fileSystemNow(spoolDir);
        java.util.Map<Settled, Integer> counts = new java.util.EnumMap<>(Settled.class);
        Spool spool = new Spool(spoolDir, 0);
        // one folder at a time, and only the rows of that folder's files: memory stays bounded by the largest series,
        // not by the spool (a spool of millions of instances is walked every hour)
        spool.forEachCommittedFolder((folder, files) -> {
            List<Path> unknown;
            try {
                Set<String> known = registeredIn(folder);
                List<Path> notInSeries = files.stream()
                        .filter(f -> !known.contains(f.toString()))
                        .toList();
                // a file outside its series' folder (placed by hand, another layout): asked for by its path
                Set<String> named = registeredAmong(notInSeries);
                unknown = notInSeries.stream()
                        .filter(f -> !named.contains(f.toString()))
                        .toList();
            } catch (RuntimeException e) { // the database, for this folder: the others are still settled
                counts.merge(Settled.LEFT, files.size(), Integer::sum);
                LOG.warnf(
                        "spool recovery: the rows of %s could not be read (%s); its %d file(s) wait for the next sweep",
                        folder, LogText.escape(String.valueOf(e.getMessage())), files.size());
                return;
            }
            for (Path f : unknown) {
                counts.merge(settle(spool, f, now), 1, Integer::sum);
            }
        });
        int left = counts.getOrDefault(Settled.LEFT, 0);
        int added = counts.getOrDefault(Settled.REGISTERED, 0);
        int superseded = counts.getOrDefault(Settled.REMOVED, 0);
        int young = counts.getOrDefault(Settled.YOUNG, 0);
        int quarantined = counts.getOrDefault(Settled.QUARANTINED, 0);
        if (left > 0) {
            LOG.warnf(
                    "%d spooled file(s) could not be registered now (the database, or a file that cannot be read or moved: "
                            + "see above); they stay in the spool for the next sweep",
                    left);
        }
        if (added > 0) {
            LOG.infof("recovered %d spooled instance(s) that were not yet registered", added);
        }
        if (superseded > 0) {
            LOG.infof("removed %d spooled file(s) of instances registered with another copy of theirs", superseded);
        }
        if (young > 0) {
            LOG.infof(
                    "%d spooled file(s) no instance row names are younger than %d minutes: left for a later sweep (a "
                            + "registration may be in progress; none of them was acknowledged)",
                    young, Spool.STALE_PART.toMinutes());
        }
        if (quarantined > 0) {
            LOG.warnf(
                    "spool recovery: %d spooled file(s) quarantined, see %s", quarantined, spool.quarantineDirectory());
        }
    }

    /** What the sweep did with one file no row named when its folder was read. */
    private enum Settled {
        REGISTERED,
        REMOVED,
        LEFT,
        YOUNG,
        QUARANTINED,
        NOTHING
    }

    /** Settles one spooled file that no instance row named when its folder was read (see {@link #recover}). */
    private Settled settle(Spool spool, Path f, java.time.Instant now) {
        try {
            if (!DurableFiles.unchangedFor(f, Spool.STALE_PART, now)) {
                // may be a registration in progress (another ingest node, or this node's Storage SCP): never
                // acknowledged without a row, so nothing waits for it; a later sweep settles it
                return Settled.YOUNG;
            }
            // decided under the series' lock (SeriesAssembler.recoveryOf): no row, or the row's copy is this file by
            // another path or exists nowhere: this copy is the instance's; the row's copy exists: a stray (a
            // re-send's earlier file whose removal failed, a copy whose registration failed or whose outcome was
            // unknown)
            return switch (assembler.recoverCopy(spool.reopen(f))) {
                case REGISTERED -> Settled.REGISTERED;
                case REMOVED -> Settled.REMOVED;
                case LEFT -> Settled.LEFT;
            };
        } catch (java.nio.file.NoSuchFileException gone) {
            // another ingest node of the cluster quarantined it meanwhile (reopen's size after its read)
            return Settled.NOTHING;
        } catch (IOException e) { // reopen wraps a failed read into InvalidDicomException (quarantined below);
            // this is its file size failing after the read: the file stays, the sweep goes on
            LOG.errorf("spool recovery: spooled file %s cannot be read (%s); it stays in the spool", f, e);
            return Settled.LEFT;
        } catch (AlreadyHeldException e) { // a copy of the node's own output, received before the crash
            try {
                if (registeredIn(f.getParent()).contains(f.toString())) { // registered meanwhile (another node)
                    return Settled.NOTHING;
                }
                Files.deleteIfExists(f);
                LOG.infof("spool recovery: spooled file %s dropped: %s", f.getFileName(), e.getMessage());
                return Settled.NOTHING;
            } catch (IOException | RuntimeException d) { // the file, or the database: it stays for the next sweep
                LOG.warnf("spool recovery: spooled copy %s of the node's own output not removed now: %s", f, d);
                return Settled.LEFT;
            }
        } catch (InvalidDicomException | RuntimeException e) {
            if (!isDataFault(e)) {
                // the database failed, not the file (connection, lock, a rollback), or the node could not check it
                // now: the file stays where it is and the next sweep registers it; it was not acknowledged to the
                // modality
                LOG.warnf(
                        "spool recovery: spooled file %s not registered now (%s); it stays in the spool for the next sweep",
                        f.getFileName(), LogText.escape(e.getMessage()));
                return Settled.LEFT;
            }
            try {
                Path q = spool.quarantine(f, e.getMessage());
                LOG.warnf(
                        "spool recovery: spooled file %s cannot be registered (%s); moved to %s",
                        f.getFileName(), LogText.escape(e.getMessage()), q);
                return Settled.QUARANTINED;
            } catch (java.nio.file.NoSuchFileException gone) {
                // another ingest node of the cluster quarantined (or registered and replaced) it meanwhile
                return Settled.NOTHING;
            } catch (IOException q) { // the sweep goes on: one file must not keep the node down
                LOG.errorf(
                        "spool recovery: spooled file %s cannot be registered (%s) nor quarantined (%s); it stays in the "
                                + "spool for the next sweep",
                        f, LogText.escape(e.getMessage()), q);
                return Settled.LEFT;
            }
        }
    }

    /** Which of {@code files} an instance row names now, asked by path (500 at a time; for the few files left over). */
    private Set<String> registeredAmong(List<Path> files) {
        Set<String> named = new HashSet<>();
        for (int from = 0; from < files.size(); from += 500) {
            List<Path> chunk = files.subList(from, Math.min(files.size(), from + 500));
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            named.addAll(Tx.run(ds, c -> {
                List<String> paths = new ArrayList<>();
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT path FROM instance WHERE path IN (" + marks + ")")) {
                    for (int i = 0; i < chunk.size(); i++) {
                        ps.setString(i + 1, chunk.get(i).toString());
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            paths.add(rs.getString(1));
                        }
                    }
                }
                return paths;
            }));
        }
        return named;
    }

    /**
     * The paths instance rows of the series whose spool folder is {@code folder} name now (the spool's layout: the
     * folder is named by the Series Instance UID; one indexed query). A file elsewhere finds none: it is settled by
     * {@link SeriesAssembler#recoverCopy}, which decides under the series' lock whatever this says.
     */
    private Set<String> registeredIn(Path folder) {
        String seriesUid =
                folder.getFileName() == null ? "" : folder.getFileName().toString();
        return new HashSet<>(Tx.run(ds, c -> {
            List<String> paths = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT path FROM instance WHERE series_uid = ?")) {
                ps.setString(1, seriesUid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        paths.add(rs.getString(1));
                    }
                }
            }
            return paths;
        }));
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
