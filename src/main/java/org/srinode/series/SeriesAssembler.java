package org.srinode.series;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.srinode.db.Database;
import org.srinode.db.Sql;
import org.srinode.db.Tx;
import org.srinode.dicom.AlreadyHeldException;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Uids;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.spool.RegistrationFailedException;
import org.srinode.spool.RegistrationUnknownException;
import org.srinode.spool.SpooledInstance;

/**
 * Groups spooled instances by Series Instance UID and completes series by the {@link CompletionPolicy} (issue 17): a
 * series is complete once no instance arrived for {@code SRI_SERIES_IDLE_TIMEOUT} or its first instance is
 * {@code SRI_SERIES_FORCE_COMPLETE_AFTER} old, whichever comes first; {@link #completeDue()} completes them and enqueues
 * their jobs ({@link CompletionPolicy#jobsOnCompletion()}) in the same transaction. An instance arriving after completion re-opens the series as
 * its next generation. What the stages record afterwards goes through {@link SeriesRecords}.
 */
@ApplicationScoped
@Named("seriesAssembler")
public class SeriesAssembler {
    private static final Logger LOG = Logger.getLogger(SeriesAssembler.class);
    /** Job kind that announces a derived series on the FHIR server. */
    public static final JobKind PUBLISH = JobKind.PUBLISH;

    /**
     * Ordering rule of PUBLISH jobs ({@link JobQueue#claimDue(String, int, String)}): one publication per study at a time.
     * A publication reads the server's ImagingStudy, merges its series and writes it back; two at once for one study
     * would each lose the other's series, and a withdrawal published while an earlier publication of the withdrawn
     * series still runs would be undone by it.
     */
    public static final String ONE_PUBLICATION_PER_STUDY =
            "EXISTS (SELECT 1 FROM job r JOIN series rs ON rs.series_uid = r.series_uid "
                    + "JOIN series js ON js.series_uid = j.series_uid WHERE r.kind = j.kind AND r.state = 'RUNNING' AND r.id <> j.id AND rs.study_uid = js.study_uid)";

    /**
     * Ordering rule of FORWARD jobs: a rejection note (a KO series the node made) waits while a delivery of a series it
     * withdraws is still running, so the destination never receives rejected instances after their rejection.
     */
    public static final String REJECTION_AFTER_DELIVERY =
            "EXISTS (SELECT 1 FROM series k JOIN series w ON w.derived_from = k.derived_from "
                    + "JOIN job r ON r.series_uid = w.series_uid WHERE k.series_uid = j.series_uid AND k.modality = 'KO' "
                    + "AND w.superseded_by IS NOT NULL AND r.kind = 'FORWARD' AND r.state = 'RUNNING')";

    private final DataSource ds;
    private final CompletionPolicy policy;

    @Inject
    public SeriesAssembler(Database db, SeriesConfig config) {
        this.ds = db.dataSource(); // the schema is migrated before the first timer queries it
        this.policy = CompletionPolicy.of(config);
    }

    /**
     * Records an instance and opens, extends or re-opens its series, atomically: the series row is
     * created or locked first, so instances of one series arriving on several associations at once,
     * and a completion running at the same moment, are serialised on that row. A concurrent first
     * insert of the same series makes one transaction fail on the primary key; it is run again and
     * then finds the row.
     *
     * <p>The instance row names the file of this copy ({@link SpooledInstance#path()}); the file of an earlier copy of
     * the same instance (a re-send, in the spool's layout each write has a file of its own) is removed after the
     * transaction commits, so a registration that fails leaves the earlier copy, file and row, as it was. When the
     * database reports a failure, it is asked whether the row names this copy after all (a COMMIT that succeeded
     * although its answer was lost): then the registration stands and this method returns normally. A failed COMMIT
     * whose row is not visible yet is not taken for a rollback (the server may still complete it).
     *
     * @throws InvalidDicomException (kind {@link InvalidDicomException.Kind#IDENTITY_CONFLICT}) when
     *                               the SOP Instance UID is already registered in another series
     *                               or study, or when a series this node made (derived, Segmentation, rejection
     *                               note) is given an instance it does not hold: the instance is refused, never moved
     *                               between series, and a node-made series never takes instances from outside
     * @throws AlreadyHeldException  when the instance is one of a series this node made and holds: nothing changes
     *                               (the series is not re-opened, its file not replaced), the caller drops its copy
     * @throws RegistrationUnknownException when the COMMIT failed and the row is not visible afterwards, or the
     *                               database could not be asked: the caller keeps the file (spool recovery settles
     *                               it)
     * @throws RegistrationFailedException when the registration failed and did not commit (the caller removes the
     *                               file); its cause is the database's error
     */
    public void onInstance(SpooledInstance i) throws InvalidDicomException, AlreadyHeldException {
        registerCopy(i, false);
    }

    /**
     * Start-up recovery's registration of a spooled file that no instance row named when recovery looked: decided under
     * the series' lock, so a registration on another association or ingest node in between is seen. Registers it as
     * {@link #onInstance} does, unless its instance is registered with another copy that exists in the same series
     * folder (a re-send's earlier file whose removal failed, a copy whose registration failed or whose outcome was
     * unknown): then this file is removed, under the lock (a live registration of it that waited for the lock is then
     * refused). Copies are told apart by file name, so the data may have moved to another path with the rows still
     * naming the old one ({@link #recoveryOf}); a row naming this copy by another path, or a copy that exists nowhere, is
     * re-pointed to this copy without re-opening the series; when the file system cannot say whether the row's copy
     * exists, the file is left for a later sweep.
     *
     * @return {@link Recovered#REGISTERED}, {@link Recovered#REMOVED} (a stray copy), or {@link Recovered#LEFT} (a
     *     stray that could not be removed, or nothing decided: logged, a later sweep tries again)
     * @throws InvalidDicomException as {@link #onInstance}
     * @throws AlreadyHeldException as {@link #onInstance}
     */
    public Recovered recoverCopy(SpooledInstance i) throws InvalidDicomException, AlreadyHeldException {
        return registerCopy(i, true);
    }

    /** What {@link #recoverCopy} did with a file. */
    public enum Recovered {
        /** Registered (or its row re-pointed to it). */
        REGISTERED,
        /** A stray copy of an instance registered with another copy: removed. */
        REMOVED,
        /** Left as it is (a stray that could not be removed, or the file system could not say): a later sweep decides. */
        LEFT
    }

    private Recovered registerCopy(SpooledInstance i, boolean recovering)
            throws InvalidDicomException, AlreadyHeldException {
        String[] earlier = new String[1];
        for (int attempt = 1; ; attempt++) {
            try {
                Tx.run(ds, c -> earlier[0] = register(c, i, recovering)); // kept when the commit's answer is lost
                break;
            } catch (Stray e) {
                if (e.getMessage() != null) {
                    LOG.warnf("spool recovery: %s; a later sweep tries again", LogText.escape(e.getMessage()));
                    return Recovered.LEFT;
                }
                return Recovered.REMOVED;
            } catch (Held e) {
                throw new AlreadyHeldException(e.getMessage());
            } catch (Conflict e) {
                throw new InvalidDicomException(e.getMessage(), InvalidDicomException.Kind.IDENTITY_CONFLICT);
            } catch (RuntimeException e) {
                if (attempt < 5 && isUniqueViolation(e)) {
                    continue;
                }
                if (committedAfterAll(i, e)) {
                    break;
                }
                if (e instanceof Tx.CommitUncertainException) { // not visible (yet): the COMMIT may still complete
                    throw new RegistrationUnknownException(
                            "registering instance " + i.header().sopInstanceUid() + " failed at COMMIT ("
                                    + e.getMessage() + ") and its row is not visible now: its file stays in the spool",
                            e);
                }
                throw new RegistrationFailedException(
                        "registering instance " + i.header().sopInstanceUid() + " failed: " + e.getMessage(), e);
            }
        }
        if (!recovering) {
            // recovery re-points a row only to replace a copy that is gone or the same file by another path
            // (recoveryOf): there is no earlier copy to remove, and a transient file system error must not remove one
            removeEarlierCopy(i, earlier[0]);
        }
        return Recovered.REGISTERED;
    }

    /**
     * Whether the row of {@code i} names its file although the registration reported {@code failure}.
     *
     * @throws RegistrationUnknownException when the database cannot be asked
     */
    private boolean committedAfterAll(SpooledInstance i, RuntimeException failure) {
        boolean committed;
        try {
            committed = Tx.run(ds, c -> {
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT 1 FROM instance WHERE sop_uid = ? AND path = ?")) {
                    ps.setString(1, i.header().sopInstanceUid());
                    ps.setString(2, i.path().toString());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                }
            });
        } catch (RuntimeException asked) {
            failure.addSuppressed(asked);
            throw new RegistrationUnknownException(
                    "registering instance " + i.header().sopInstanceUid() + " failed (" + failure.getMessage()
                            + ") and the database could not then say whether it committed: its file stays in the spool",
                    failure);
        }
        if (committed) {
            LOG.warnf(
                    failure,
                    "instance %s: the database reported a failure, but its registration committed; it stands",
                    Uids.shortTag(i.header().sopInstanceUid()));
        }
        return committed;
    }

    /**
     * Removes the file an instance row named before a re-send's registration replaced it, when it is another file of
     * the same series folder (a spool file; never anything elsewhere). A file that cannot be removed now stays until
     * spool recovery ({@link SpoolRecovery}) finds it named by no row.
     */
    private static void removeEarlierCopy(SpooledInstance i, String earlierPath) {
        if (earlierPath == null || earlierPath.equals(i.path().toString())) {
            return;
        }
        java.nio.file.Path earlier = java.nio.file.Path.of(earlierPath);
        if (!i.path().getParent().equals(earlier.getParent())) {
            return;
        }
        try {
            java.nio.file.Files.deleteIfExists(earlier);
        } catch (java.io.IOException e) {
            LOG.warnf(
                    "instance %s: the file of its earlier copy %s could not be removed (%s); spool recovery removes it later",
                    Uids.shortTag(i.header().sopInstanceUid()), earlier, e);
        }
    }

    /** Raised inside the registering transaction so that it rolls back. */
    private static final class Conflict extends RuntimeException {
        Conflict(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Raised inside recovery's registering transaction (which then changes nothing) for a stray copy, removed; the
     * message says why it could not be removed, or is null.
     */
    private static final class Stray extends RuntimeException {
        Stray(String notRemoved) {
            super(notRemoved, null, false, false);
        }
    }

    /** Raised inside the registering transaction (which then changes nothing) for an instance the node made itself. */
    private static final class Held extends RuntimeException {
        Held(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Registers {@code i} (see {@link #onInstance}; with {@code recovering}, {@link #recoverCopy}); returns the path the
     * instance row named before, or null.
     */
    private String register(Connection c, SpooledInstance i, boolean recovering) throws SQLException {
        Instant now = Instant.now();
        String seriesUid = i.header().seriesInstanceUid();
        Optional<String> state = SeriesTable.lockSeries(c, seriesUid);
        if (state.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO series (series_uid, study_uid, modality, state, "
                            + "generation, first_received_at, last_received_at) VALUES (?, ?, ?, 'RECEIVING', 1, ?, ?)")) {
                ps.setString(1, seriesUid);
                ps.setString(2, i.header().studyInstanceUid());
                ps.setString(3, i.header().modality());
                ps.setTimestamp(4, Timestamp.from(now), Sql.utc());
                ps.setTimestamp(5, Timestamp.from(now), Sql.utc());
                ps.executeUpdate();
            }
            state = Optional.of("RECEIVING");
        } else {
            SeriesRow row = seriesRow(c, seriesUid);
            if (row.studyUid() != null && !row.studyUid().equals(i.header().studyInstanceUid())) {
                throw new Conflict("Series Instance UID " + seriesUid + " already belongs to another study");
            }
            if (row.derivedFrom() != null) { // a series this node made: its own output is never taken in again
                if (seriesOfInstance(c, i.header().sopInstanceUid())
                        .filter(seriesUid::equals)
                        .isPresent()) {
                    throw new Held("instance " + i.header().sopInstanceUid() + " is this node's own output (series "
                            + seriesUid + ", derived from " + row.derivedFrom()
                            + "): already held, the copy received is dropped");
                }
                throw new Conflict("Series Instance UID " + seriesUid + " is a series this node made (derived from "
                        + row.derivedFrom()
                        + "); it takes no other instances: send the acquired series, or give this instance "
                        + "its own Series Instance UID");
            }
        }
        Optional<String> registeredIn = seriesOfInstance(c, i.header().sopInstanceUid());
        if (registeredIn.isPresent() && !registeredIn.get().equals(seriesUid)) {
            throw new Conflict("SOP Instance UID already received in another series (" + registeredIn.get() + ")");
        }
        String earlierPath =
                registeredIn.isPresent() ? pathOfInstance(c, i.header().sopInstanceUid()) : null;
        if (recovering && earlierPath != null && !earlierPath.equals(i.path().toString())) {
            switch (recoveryOf(earlierPath, i.path())) {
                case STRAY -> {
                    // removed under the series' lock: a live registration of this very file (a registration that
                    // waited that long) then finds it gone and is refused, instead of registering a file that no
                    // longer exists
                    try {
                        java.nio.file.Files.deleteIfExists(i.path());
                    } catch (java.io.IOException e) {
                        throw new Stray("stray copy " + i.path() + " could not be removed: " + e);
                    }
                    throw new Stray(null);
                }
                case UNDECIDED ->
                    throw new Stray("cannot tell whether the copy " + earlierPath + " that the row of "
                            + i.header().sopInstanceUid() + " names exists (the file system did not say); " + i.path()
                            + " is left as it is");
                case TAKES_ITS_PLACE -> {
                    // the row's own file by another path (the data moved), or its file is gone: repaired below
                }
            }
        }
        if (!recovering && !java.nio.file.Files.exists(i.path())) {
            throw new IllegalStateException("spooled file " + i.path() + " is gone (spool recovery removed it as a "
                    + "stray copy while this registration waited for its series)");
        }
        SeriesTable.upsertInstance(c, i, now);
        if (recovering && earlierPath != null) {
            // the row named this instance's file by another path, or a file that is gone: its path is repaired, the
            // series is not re-opened (nothing new arrived)
            return earlierPath;
        }
        if ("COMPLETE".equals(state.get())) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE series SET state = 'RECEIVING', generation = generation + 1, "
                            + "first_received_at = ?, last_received_at = ?, completed_at = NULL, assessment = NULL, decision = NULL, "
                            + "consistency = NULL, outcome = NULL, outcome_reason = NULL, enhance_run = 1 WHERE series_uid = ? AND state = 'COMPLETE'")) {
                ps.setTimestamp(1, Timestamp.from(now), Sql.utc());
                ps.setTimestamp(2, Timestamp.from(now), Sql.utc());
                ps.setString(3, seriesUid);
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("series " + seriesUid + " changed state while locked");
                }
            }
            LOG.infof("series %s re-opened by a late instance", Uids.shortTag(seriesUid));
        } else {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE series SET last_received_at = ? WHERE series_uid = ? " + "AND state = 'RECEIVING'")) {
                ps.setTimestamp(1, Timestamp.from(now), Sql.utc());
                ps.setString(2, seriesUid);
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("series " + seriesUid + " changed state while locked");
                }
            }
        }
        return earlierPath;
    }

    /** A series row's Study Instance UID and, for a series this node made, its source series (null otherwise). */
    private record SeriesRow(String studyUid, String derivedFrom) {}

    private static SeriesRow seriesRow(Connection c, String seriesUid) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT study_uid, derived_from FROM series WHERE series_uid = ?")) {
            ps.setString(1, seriesUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new SeriesRow(rs.getString(1), rs.getString(2)) : new SeriesRow(null, null);
            }
        }
    }

    private static Optional<String> seriesOfInstance(Connection c, String sopUid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT series_uid FROM instance WHERE sop_uid = ?")) {
            ps.setString(1, sopUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** What recovery does with a spooled file whose instance row names another path ({@link #recoveryOf}). */
    enum Recovery {
        /** The file is the row's copy by another path, or the row's copy is gone: the row is re-pointed to it. */
        TAKES_ITS_PLACE,
        /** Another copy holds the row: the file is removed. */
        STRAY,
        /** The file system could not say whether the row's copy exists: nothing changes, a later sweep decides. */
        UNDECIDED
    }

    /**
     * Recovery's decision for {@code file}, an unregistered file of an instance whose row names {@code named}. Copies
     * are told apart by file name (each received copy has its own, see {@link org.srinode.spool.Spool}), so the
     * decision holds when the data were moved or linked to another path and the rows still name the old one: the
     * row's copy is {@code file} when the names match; otherwise it is the file of the row's name in {@code file}'s
     * folder when that exists (then {@code file} is a stray), else {@code named} itself when it exists elsewhere (a
     * stray too, unless it is {@code file} by another path); a row whose copy exists nowhere is re-pointed to {@code
     * file}. An unregistered file is never a copy acknowledged with success (success follows the commit of its row),
     * so removing a stray loses nothing. Whenever the file system cannot say whether a file exists (an I/O error other
     * than "no such file"), nothing is decided.
     */
    static Recovery recoveryOf(String named, java.nio.file.Path file) {
        java.nio.file.Path row = java.nio.file.Path.of(named);
        java.nio.file.Path folder = file.getParent();
        // the name after the last separator of either kind: a row written on a host with the other separator (a spool
        // moved between Windows and Linux) still names its copy
        String rowName = named.substring(Math.max(named.lastIndexOf('/'), named.lastIndexOf('\\')) + 1);
        if (rowName.isEmpty()) {
            return Recovery.UNDECIDED; // a row naming a folder: nothing to compare
        }
        if (rowName.equals(file.getFileName().toString())) {
            return Recovery.TAKES_ITS_PLACE; // the same copy by another path (moved, or linked)
        }
        java.nio.file.Path local = folder.resolve(rowName);
        Presence here = presence(local);
        if (here != Presence.ABSENT) {
            return here == Presence.PRESENT ? Recovery.STRAY : Recovery.UNDECIDED;
        }
        if (!folder.equals(row.getParent())) {
            Presence there = presence(row);
            if (there == Presence.UNKNOWN) {
                return Recovery.UNDECIDED;
            }
            if (there == Presence.PRESENT) {
                try {
                    return java.nio.file.Files.isSameFile(row, file) ? Recovery.TAKES_ITS_PLACE : Recovery.STRAY;
                } catch (java.io.IOException e) {
                    return Recovery.UNDECIDED;
                }
            }
        }
        return Recovery.TAKES_ITS_PLACE; // the row's copy is gone: this copy is the instance's now
    }

    private enum Presence {
        PRESENT,
        ABSENT,
        UNKNOWN
    }

    /** Whether {@code p} exists, telling "no such file" apart from a file system that cannot say. */
    private static Presence presence(java.nio.file.Path p) {
        try {
            java.nio.file.Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
            return Presence.PRESENT;
        } catch (java.nio.file.NoSuchFileException e) {
            return Presence.ABSENT;
        } catch (java.io.IOException e) {
            return Presence.UNKNOWN;
        }
    }

    private static String pathOfInstance(Connection c, String sopUid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT path FROM instance WHERE sop_uid = ?")) {
            ps.setString(1, sopUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Completes every series that is due and enqueues its jobs; returns them. */
    public List<SeriesInfo> completeDue() {
        Instant now = Instant.now();
        Timestamp idleBefore = Timestamp.from(policy.idleBefore(now));
        Timestamp capBefore = Timestamp.from(policy.capBefore(now));
        return Tx.run(ds, c -> {
            List<SeriesInfo> due = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    SeriesTable.SELECT + " WHERE " + CompletionPolicy.dueCondition("s.") + " FOR UPDATE")) {
                ps.setTimestamp(1, idleBefore, Sql.utc());
                ps.setTimestamp(2, capBefore, Sql.utc());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(SeriesTable.map(rs));
                    }
                }
            }
            List<SeriesInfo> done = new ArrayList<>();
            for (SeriesInfo s : due) {
                // conditional: an instance that registered after the SELECT keeps the series open
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE series SET state = 'COMPLETE', completed_at = ? WHERE series_uid = ? AND "
                                + CompletionPolicy.dueCondition(""))) {
                    ps.setTimestamp(1, Timestamp.from(now), Sql.utc());
                    ps.setString(2, s.seriesUid());
                    ps.setTimestamp(3, idleBefore, Sql.utc());
                    ps.setTimestamp(4, capBefore, Sql.utc());
                    if (ps.executeUpdate() != 1) {
                        continue;
                    }
                }
                for (JobKind kind : policy.jobsOnCompletion()) {
                    JobQueue.enqueue(c, kind, s.seriesUid(), s.generation());
                }
                LOG.infof(
                        "series %s complete: %d instance(s), generation %d",
                        Uids.shortTag(s.seriesUid()), s.instances(), s.generation());
                done.add(SeriesTable.find(c, s.seriesUid()).orElseThrow());
            }
            return done;
        });
    }
}
