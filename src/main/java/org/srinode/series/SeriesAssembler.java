package org.srinode.series;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.db.Database;
import org.srinode.db.Sql;
import org.srinode.db.Tx;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Uids;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.spool.Spool;
import org.srinode.spool.SpooledInstance;

/**
 * Groups spooled instances by Series Instance UID and decides when a series is complete (idle timeout
 * or force-complete cap). Completing a series enqueues its jobs in the same transaction. An instance
 * arriving after completion re-opens the series as its next generation.
 */
@ApplicationScoped
@Named("seriesAssembler")
public class SeriesAssembler {
    private static final Logger LOG = Logger.getLogger(SeriesAssembler.class);
    /** Jobs enqueued for every completed series. */
    public static final List<String> ON_COMPLETE = List.of(JobKind.FORWARD.name(), JobKind.ASSESS.name());
    /** Job kind that announces a derived series on the FHIR server. */
    public static final String PUBLISH = JobKind.PUBLISH.name();

    /**
     * Ordering rule of PUBLISH jobs ({@link JobQueue#claimDue(String, int, String)}): one publication per study at a time.
     * A publication reads the server's ImagingStudy, merges its series and writes it back; two at once for one study
     * would each lose the other's series, and a withdrawal published while an earlier publication of the withdrawn
     * series still runs would be undone by it.
     */
    public static final String ONE_PUBLICATION_PER_STUDY = "EXISTS (SELECT 1 FROM job r JOIN series rs ON rs.series_uid = r.series_uid "
            + "JOIN series js ON js.series_uid = j.series_uid WHERE r.kind = j.kind AND r.state = 'RUNNING' AND r.id <> j.id AND rs.study_uid = js.study_uid)";

    /**
     * Ordering rule of FORWARD jobs: a rejection note (a KO series the node made) waits while a delivery of a series it
     * withdraws is still running, so the destination never receives rejected instances after their rejection.
     */
    public static final String REJECTION_AFTER_DELIVERY = "EXISTS (SELECT 1 FROM series k JOIN series w ON w.derived_from = k.derived_from "
            + "JOIN job r ON r.series_uid = w.series_uid WHERE k.series_uid = j.series_uid AND k.modality = 'KO' "
            + "AND w.superseded_by IS NOT NULL AND r.kind = 'FORWARD' AND r.state = 'RUNNING')";

    private final DataSource ds;
    private final SeriesConfig config;
    private final Path spoolDir;
    private final boolean ingestRole;

    @Inject
    public SeriesAssembler(Database db, SeriesConfig config, @ConfigProperty(name = "sri.spool.directory") String spoolDir,
                           @ConfigProperty(name = "sri.role.ingest", defaultValue = "true") boolean ingestRole) {
        this.ds = db.dataSource(); // the schema is migrated before the first timer queries it
        this.ingestRole = ingestRole;
        this.config = config;
        this.spoolDir = Path.of(spoolDir);
    }

    /**
     * Registers what is in the spool but not in the database (an instance acknowledged just before a
     * crash). A file that cannot be registered (it no longer parses, a value the node cannot store, a
     * SOP Instance UID already used in another series) is moved to the spool's quarantine with the
     * reason, and start-up goes on: data never stop the node from starting.
     */
    void recover(@Observes StartupEvent ev) throws IOException {
        if (!ingestRole) {
            return;   // the spool is recovered by the ingest nodes (SRI_NODE_ROLES)
        }
        Set<String> known = new HashSet<>(Tx.run(ds, c -> {
            List<String> uids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT sop_uid, path FROM instance"); ResultSet rs = ps.executeQuery()) {
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
                onInstance(spool.reopen(f));
                added++;
            } catch (InvalidDicomException | RuntimeException e) {
                Path q = spool.quarantine(f, e.getMessage());
                quarantined++;
                LOG.warnf("start-up: spooled file %s cannot be registered (%s); moved to %s", f.getFileName(),
                        LogText.escape(e.getMessage()), q);
            }
        }
        if (added > 0) {
            LOG.infof("recovered %d spooled instance(s) that were not yet registered", added);
        }
        if (quarantined > 0) {
            LOG.warnf("%d spooled file(s) quarantined at start-up, see %s", quarantined, spool.quarantineDirectory());
        }
    }

    /**
     * Records an instance and opens, extends or re-opens its series, atomically: the series row is
     * created or locked first, so instances of one series arriving on several associations at once,
     * and a completion running at the same moment, are serialised on that row. A concurrent first
     * insert of the same series makes one transaction fail on the primary key; it is run again and
     * then finds the row.
     *
     * @throws InvalidDicomException (kind {@link InvalidDicomException.Kind#IDENTITY_CONFLICT}) when
     *                               the SOP Instance UID is already registered in another series
     *                               or study: the instance is refused, never moved between series
     */
    public void onInstance(SpooledInstance i) throws InvalidDicomException {
        for (int attempt = 1; ; attempt++) {
            try {
                Tx.run(ds, c -> register(c, i));
                return;
            } catch (Conflict e) {
                throw new InvalidDicomException(e.getMessage(), InvalidDicomException.Kind.IDENTITY_CONFLICT);
            } catch (IllegalStateException e) {
                if (attempt >= 5 || !isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
    }

    /** Raised inside the registering transaction so that it rolls back. */
    private static final class Conflict extends RuntimeException {
        Conflict(String message) {
            super(message, null, false, false);
        }
    }

    private Void register(Connection c, SpooledInstance i) throws SQLException {
        Instant now = Instant.now();
        String seriesUid = i.header().seriesInstanceUid();
        Optional<String> state = lockSeries(c, seriesUid);
        if (state.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO series (series_uid, study_uid, modality, state, "
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
            Optional<String> study = studyOf(c, seriesUid);
            if (study.isPresent() && !study.get().equals(i.header().studyInstanceUid())) {
                throw new Conflict("Series Instance UID " + seriesUid + " already belongs to another study");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT series_uid FROM instance WHERE sop_uid = ?")) {
            ps.setString(1, i.header().sopInstanceUid());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && !rs.getString(1).equals(seriesUid)) {
                    throw new Conflict("SOP Instance UID already received in another series (" + rs.getString(1) + ")");
                }
            }
        }
        upsertInstance(c, i, now);
        if ("COMPLETE".equals(state.get())) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET state = 'RECEIVING', generation = generation + 1, "
                    + "first_received_at = ?, last_received_at = ?, completed_at = NULL, assessment = NULL, decision = NULL, "
                    + "consistency = NULL, outcome = NULL, enhance_run = 1 WHERE series_uid = ? AND state = 'COMPLETE'")) {
                ps.setTimestamp(1, Timestamp.from(now), Sql.utc());
                ps.setTimestamp(2, Timestamp.from(now), Sql.utc());
                ps.setString(3, seriesUid);
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("series " + seriesUid + " changed state while locked");
                }
            }
            LOG.infof("series %s re-opened by a late instance", Uids.shortTag(seriesUid));
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET last_received_at = ? WHERE series_uid = ? "
                    + "AND state = 'RECEIVING'")) {
                ps.setTimestamp(1, Timestamp.from(now), Sql.utc());
                ps.setString(2, seriesUid);
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("series " + seriesUid + " changed state while locked");
                }
            }
        }
        return null;
    }

    /** Locks the series row for the rest of the transaction; its state, or empty when the series is new. */
    private static Optional<String> lockSeries(Connection c, String seriesUid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM series WHERE series_uid = ? FOR UPDATE")) {
            ps.setString(1, seriesUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static Optional<String> studyOf(Connection c, String seriesUid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT study_uid FROM series WHERE series_uid = ?")) {
            ps.setString(1, seriesUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
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
        Timestamp idleBefore = Timestamp.from(now.minus(config.idleTimeout()));
        Timestamp capBefore = Timestamp.from(now.minus(config.forceCompleteAfter()));
        return Tx.run(ds, c -> {
            List<SeriesInfo> due = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE s.state = 'RECEIVING' AND (s.last_received_at <= ? "
                    + "OR s.first_received_at <= ?) FOR UPDATE")) {
                ps.setTimestamp(1, idleBefore, Sql.utc());
                ps.setTimestamp(2, capBefore, Sql.utc());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(map(rs));
                    }
                }
            }
            List<SeriesInfo> done = new ArrayList<>();
            for (SeriesInfo s : due) {
                // conditional: an instance that registered after the SELECT keeps the series open
                try (PreparedStatement ps = c.prepareStatement("UPDATE series SET state = 'COMPLETE', completed_at = ? "
                        + "WHERE series_uid = ? AND state = 'RECEIVING' AND (last_received_at <= ? OR first_received_at <= ?)")) {
                    ps.setTimestamp(1, Timestamp.from(now), Sql.utc());
                    ps.setString(2, s.seriesUid());
                    ps.setTimestamp(3, idleBefore, Sql.utc());
                    ps.setTimestamp(4, capBefore, Sql.utc());
                    if (ps.executeUpdate() != 1) {
                        continue;
                    }
                }
                for (String kind : ON_COMPLETE) {
                    if (config.forwardOriginals() || !kind.equals("FORWARD")) {
                        JobQueue.enqueue(c, kind, s.seriesUid(), s.generation());
                    }
                }
                LOG.infof("series %s complete: %d instance(s), generation %d", Uids.shortTag(s.seriesUid()), s.instances(), s.generation());
                done.add(find(c, s.seriesUid()).orElseThrow());
            }
            return done;
        });
    }

    /**
     * Registers a derived series written by the node: its instances, the series as COMPLETE with
     * decision DERIVED and its source, its PUBLISH job (FHIR; not for a Segmentation) and, unless held, its FORWARD job, in one
     * transaction (it is never assessed again).
     */
    public void registerDerived(List<SpooledInstance> instances, boolean forward, String sourceUid, String model, boolean publish) {
        if (instances.isEmpty()) {
            return;
        }
        Tx.run(ds, c -> {
            registerDerived(c, instances, forward, sourceUid, model, publish);
            return null;
        });
    }

    private static void registerDerived(Connection c, List<SpooledInstance> instances, boolean forward, String sourceUid, String model,
                                        boolean publish) throws SQLException {
        Instant now = Instant.now();
        SpooledInstance first = instances.get(0);
        for (SpooledInstance i : instances) {
            upsertInstance(c, i, now);
        }
        try (PreparedStatement ps = c.prepareStatement(Sql.merge("series", 1, "series_uid", "study_uid", "modality", "state",
                "generation:INT", "first_received_at:TIMESTAMP", "last_received_at:TIMESTAMP", "completed_at:TIMESTAMP", "decision",
                "derived_from", "model"))) {
            ps.setString(1, first.header().seriesInstanceUid());
            ps.setString(2, first.header().studyInstanceUid());
            ps.setString(3, first.header().modality());
            ps.setString(4, "COMPLETE");
            ps.setInt(5, 1);
            ps.setTimestamp(6, Timestamp.from(now), Sql.utc());
            ps.setTimestamp(7, Timestamp.from(now), Sql.utc());
            ps.setTimestamp(8, Timestamp.from(now), Sql.utc());
            ps.setString(9, "DERIVED");
            ps.setString(10, sourceUid);
            ps.setString(11, model);
            ps.executeUpdate();
        }
        if (forward) {
            JobQueue.enqueue(c, "FORWARD", first.header().seriesInstanceUid(), 1);
        }
        if (publish) {
            JobQueue.enqueue(c, PUBLISH, first.header().seriesInstanceUid(), 1);
        }
    }

    /**
     * A derived series to register with a supersession: its instances (all of one series), whether its
     * FORWARD job is queued (not when held), the model that made it, whether it is published to FHIR.
     */
    public record Derived(List<SpooledInstance> instances, boolean forward, String model, boolean publish) {
    }

    /**
     * A derived series being withdrawn: its instances that may have reached the destination (its FORWARD
     * job ran at least once), and a file of it (for the patient and study attributes of a rejection note).
     *
     * @param series    the derived series
     * @param delivered its instances that may be at the destination; empty when it never left the node
     */
    public record Superseded(SeriesInfo series, List<org.srinode.dicom.RejectionNote.Withdrawn> delivered, Path anyFile) {
    }

    /**
     * Writes the rejection note of the instances a supersession withdraws, inside its transaction.
     */
    @FunctionalInterface
    public interface NoteWriter {
        /**
         * @param superseded the derived series withdrawn, at least one of them with delivered instances
         * @return the rejection note as spooled (registered and forwarded in the same transaction)
         */
        SpooledInstance write(List<Superseded> superseded) throws Exception;
    }

    /**
     * Withdraws the derived series (and Segmentations) made from earlier generations of a source series,
     * in one transaction: each is marked superseded by {@code replacedBy}; its FORWARD and PUBLISH jobs that
     * have not started are cancelled (state CANCELLED, the reason in last_error); when any of its instances
     * may be at the destination, {@code note} writes a rejection note that is registered as a derived
     * series of the source with its own FORWARD job. Rejection notes themselves are never withdrawn.
     *
     * @param sourceUid  the acquired series
     * @param current    derived Series Instance UIDs of the current generation (kept)
     * @param replacedBy what replaces them, recorded in superseded_by (a derived Series Instance UID or a reason code)
     * @param note       writes the rejection note (called at most once)
     * @return the series withdrawn now (empty when there was nothing earlier)
     */
    public List<Superseded> supersede(String sourceUid, java.util.Set<String> current, String replacedBy, NoteWriter note) {
        return supersede(sourceUid, 0, List.of(), current, replacedBy, note);
    }

    /** The source series moved on to a later generation while an earlier one was processed: its outputs must not become current. */
    public static final class StaleGeneration extends RuntimeException {
        StaleGeneration(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Registers the derived series of a source's current generation and withdraws the earlier ones (see
     * {@link #supersede(String, java.util.Set, String, NoteWriter)}) in one transaction, so that no job of the
     * new series can run before the earlier ones are marked superseded (a FHIR publication would list both).
     *
     * @param generation the source's generation these outputs were made from (0: not checked)
     * @param register the current generation's derived series; their Series Instance UIDs are kept, with {@code current}
     * @throws StaleGeneration when the source is no longer at {@code generation} (nothing is registered or withdrawn)
     */
    public List<Superseded> supersede(String sourceUid, int generation, List<Derived> register, java.util.Set<String> current,
                                      String replacedBy, NoteWriter note) {
        return Tx.run(ds, c -> supersede(c, sourceUid, generation, register, current, replacedBy, note));
    }

    private static List<Superseded> supersede(Connection c, String sourceUid, int generation, List<Derived> register,
                                              java.util.Set<String> current, String replacedBy, NoteWriter note) throws SQLException {
        java.util.Set<String> keep = new HashSet<>(current);
        for (Derived d : register) {
            keep.add(d.instances().get(0).header().seriesInstanceUid());
        }
        lockSeries(c, sourceUid);   // one supersession of a source at a time
        if (generation > 0) {
            int now = find(c, sourceUid).map(SeriesInfo::generation).orElse(generation);
            if (now != generation) {
                throw new StaleGeneration("series " + sourceUid + " is at generation " + now + ", not " + generation);
            }
        }
        for (Derived d : register) {
            registerDerived(c, d.instances(), d.forward(), sourceUid, d.model(), d.publish());
        }
        List<SeriesInfo> earlier = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE s.derived_from = ? AND s.superseded_by IS NULL "
                + "AND (s.modality IS NULL OR s.modality <> 'KO')")) {
            ps.setString(1, sourceUid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SeriesInfo s = map(rs);
                    if (!keep.contains(s.seriesUid())) {
                        earlier.add(s);
                    }
                }
            }
        }
        List<Superseded> withdrawn = new ArrayList<>();
        boolean anyDelivered = false;
        boolean anyPublished = false;
        for (SeriesInfo s : earlier) {
            anyPublished |= mayHaveRun(c, s.seriesUid(), PUBLISH);
            boolean delivered = mayHaveRun(c, s.seriesUid(), "FORWARD");
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = 'CANCELLED', last_error = ?, updated_at = ? "
                    + "WHERE series_uid = ? AND state = 'PENDING' AND kind IN ('FORWARD', 'PUBLISH')")) {
                ps.setString(1, "superseded by " + replacedBy);
                ps.setTimestamp(2, Timestamp.from(Instant.now()), Sql.utc());
                ps.setString(3, s.seriesUid());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET superseded_by = ? WHERE series_uid = ?")) {
                ps.setString(1, replacedBy);
                ps.setString(2, s.seriesUid());
                ps.executeUpdate();
            }
            List<org.srinode.dicom.RejectionNote.Withdrawn> sent = new ArrayList<>();
            Path anyFile = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT sop_uid, sop_class_uid, path FROM instance WHERE series_uid = ? "
                    + "ORDER BY sop_uid")) {
                ps.setString(1, s.seriesUid());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        anyFile = Path.of(rs.getString(3));
                        if (delivered) {
                            sent.add(new org.srinode.dicom.RejectionNote.Withdrawn(s.seriesUid(), rs.getString(2), rs.getString(1)));
                        }
                    }
                }
            }
            anyDelivered |= !sent.isEmpty();
            withdrawn.add(new Superseded(s, sent, anyFile));
        }
        if (anyDelivered) {
            SpooledInstance written;
            try {
                written = note.write(withdrawn);
            } catch (Exception e) {
                throw new IllegalStateException("cannot write the rejection note of " + sourceUid + ": " + e.getMessage(), e);
            }
            registerDerived(c, List.of(written), true, sourceUid, null, false);
        }
        if (anyPublished && current.isEmpty() && register.stream().noneMatch(Derived::publish)) {
            // the EHR was told about a series that is now withdrawn and no new publication will replace it: a withdrawal
            // publication of the source (PublishStage) takes it out of the ImagingStudy and deletes its findings
            JobQueue.enqueueOrRunAgain(c, PUBLISH, sourceUid, find(c, sourceUid).map(SeriesInfo::generation).orElse(Math.max(1, generation)));
        }
        return withdrawn;
    }

    /** Reason code recorded in superseded_by for derived series an operator discarded. */
    public static final String DISCARDED = "DISCARDED";

    /**
     * An operator discards the current derived output of an acquired series (issue 12): the enhanced series and its
     * Segmentation are withdrawn as a supersession withdraws them (pending deliveries and publications cancelled, a
     * rejection note for whatever may be at the destination, a withdrawal publication when the EHR was told), and the
     * outcome becomes DISCARDED with who and why; one transaction.
     *
     * @return the derived series withdrawn
     * @throws NotApplicable the series is unknown or derived itself, an enhancement of it is pending or running (its
     *                       output would replace the discarded one at once), or it has no current derived output
     */
    public List<Superseded> discard(String sourceUid, String user, String comment, NoteWriter note) {
        return Tx.run(ds, c -> {
            lockSeries(c, sourceUid);
            SeriesInfo s = acquired(c, sourceUid);
            if (!"COMPLETE".equals(s.state())) {
                throw new NotApplicable("series " + sourceUid + " is " + s.state() + " (late instances arrived): its next generation "
                        + "replaces the output; discard that once it is done");
            }
            for (String kind : List.of("ASSESS", "ENHANCE")) {
                String state = jobState(c, sourceUid, kind, s.generation());
                if ("PENDING".equals(state) || "RUNNING".equals(state)) {
                    throw new NotApplicable("the " + (kind.equals("ASSESS") ? "assessment" : "enhancement") + " of series " + sourceUid
                            + " is " + state.toLowerCase(java.util.Locale.ROOT) + ": discard its output once it is done");
                }
            }
            List<Superseded> withdrawn = supersede(c, sourceUid, 0, List.of(), java.util.Set.of(), DISCARDED, note);
            if (withdrawn.isEmpty()) {
                throw new NotApplicable("series " + sourceUid + " has no current derived output to discard");
            }
            setOutcome(c, sourceUid, "DISCARDED", "discarded by " + user + ": " + comment);
            return withdrawn;
        });
    }

    /**
     * An operator has an acquired series enhanced again (issue 12), for example after a new model was installed or a
     * held result: its ENHANCE job of the current generation is queued again (attempts reset, due now) and its
     * enhancement run number goes up by one, so the new output gets new derived UIDs and the current output is
     * withdrawn when the new one is registered (see {@code Supersession}), never overwritten under the same UIDs.
     *
     * @return the new enhancement run number (2 for the first re-run)
     * @throws NotApplicable the series is unknown, derived, not complete, was not routed to enhancement, or its enhancement
     *                       is pending or running already
     */
    public int enhanceAgain(String sourceUid, String user, String comment) {
        int run = Tx.run(ds, c -> {
            lockSeries(c, sourceUid);
            SeriesInfo s = acquired(c, sourceUid);
            if (!"COMPLETE".equals(s.state())) {
                throw new NotApplicable("series " + sourceUid + " is still " + s.state() + ": it is enhanced once complete");
            }
            String state = jobState(c, sourceUid, "ENHANCE", s.generation());
            if (state == null) {
                throw new NotApplicable("series " + sourceUid + " was not routed to enhancement (decision " + s.decision() + ")");
            }
            if ("PENDING".equals(state) || "RUNNING".equals(state)) {
                throw new NotApplicable("the enhancement of series " + sourceUid + " is " + state.toLowerCase(java.util.Locale.ROOT) + " already");
            }
            Timestamp now = Timestamp.from(Instant.now());
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = 'PENDING', attempts = 0, next_attempt_at = ?, "
                    + "last_error = ?, updated_at = ? WHERE series_uid = ? AND kind = 'ENHANCE' AND generation = ?")) {
                ps.setTimestamp(1, now, Sql.utc());
                ps.setString(2, "enhanced again at the request of " + user);
                ps.setTimestamp(3, now, Sql.utc());
                ps.setString(4, sourceUid);
                ps.setInt(5, s.generation());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET enhance_run = enhance_run + 1 WHERE series_uid = ?")) {
                ps.setString(1, sourceUid);
                ps.executeUpdate();
            }
            setOutcome(c, sourceUid, s.outcome(), "enhanced again at the request of " + user + ": " + comment);
            return s.enhanceRun() + 1;
        });
        JobQueue.wakeAfterCommit("ENHANCE");
        return run;
    }

    /** An acquired (not derived) series, locked by the caller. */
    private static SeriesInfo acquired(Connection c, String sourceUid) throws SQLException {
        SeriesInfo s = find(c, sourceUid).orElseThrow(() -> new NotApplicable("no series " + sourceUid));
        if (s.derivedFrom() != null) {
            throw new NotApplicable("series " + sourceUid + " was made by the node from " + s.derivedFrom() + ": act on that acquired series");
        }
        return s;
    }

    /** The state of the series' job of this kind and generation, null when there is none; locks the row. */
    private static String jobState(Connection c, String seriesUid, String kind, int generation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM job WHERE series_uid = ? AND kind = ? AND generation = ? FOR UPDATE")) {
            ps.setString(1, seriesUid);
            ps.setString(2, kind);
            ps.setInt(3, generation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void setOutcome(Connection c, String seriesUid, String outcome, String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE series SET outcome = ?, outcome_reason = ? WHERE series_uid = ?")) {
            ps.setString(1, outcome);
            ps.setString(2, reason.length() > 1000 ? reason.substring(0, 1000) : reason);
            ps.setString(3, seriesUid);
            ps.executeUpdate();
        }
    }

    /**
     * Whether a job of this kind for the series may have had an effect outside the node: it ran or is running
     * (not PENDING or CANCELLED), or failed at least once (a lost answer may hide a success). Locks the rows.
     */
    private static boolean mayHaveRun(Connection c, String seriesUid, String kind) throws SQLException {
        boolean ran = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT state, attempts FROM job WHERE series_uid = ? AND kind = ? FOR UPDATE")) {
            ps.setString(1, seriesUid);
            ps.setString(2, kind);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ran |= !"PENDING".equals(rs.getString(1)) && !"CANCELLED".equals(rs.getString(1)) || rs.getInt(2) > 0;
                }
            }
        }
        return ran;
    }

    /** What withdrew the series (a derived Series Instance UID or a reason code); empty while it is current or unknown. */
    public Optional<String> supersededBy(String seriesUid) {
        return find(seriesUid).map(SeriesInfo::supersededBy);
    }

    /** An operator action that does not apply to the series as it is now (the message says why). */
    public static final class NotApplicable extends RuntimeException {
        public NotApplicable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * An operator releases a held enhancement (issue 12): the current derived series of the source (the enhanced
     * series and its Segmentation) get their FORWARD jobs, their publication is run again so that the EHR lists the
     * series, and the outcome becomes RELEASED with who and why; one transaction.
     *
     * @param sourceUid the acquired series whose enhancement was HELD
     * @return the derived Series Instance UIDs released
     * @throws NotApplicable when the series is unknown or its outcome is not HELD (a later generation, a second release)
     */
    public List<String> release(String sourceUid, String user, String comment) {
        return Tx.run(ds, c -> {
            lockSeries(c, sourceUid);
            SeriesInfo s = find(c, sourceUid).orElseThrow(() -> new NotApplicable("no series " + sourceUid));
            if (!"HELD".equals(s.outcome())) {
                throw new NotApplicable("series " + sourceUid + " is not held (outcome " + s.outcome() + ")");
            }
            List<String> released = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT series_uid FROM series WHERE derived_from = ? AND superseded_by IS NULL "
                    + "AND (modality IS NULL OR modality <> 'KO')")) {
                ps.setString(1, sourceUid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        released.add(rs.getString(1));
                    }
                }
            }
            if (released.isEmpty()) {
                throw new NotApplicable("series " + sourceUid + " has no current derived series to release");
            }
            for (String d : released) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM job WHERE series_uid = ? AND kind = 'PUBLISH' AND state = 'RUNNING' "
                        + "FOR UPDATE")) {
                    ps.setString(1, d);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            throw new NotApplicable("the FHIR publication of series " + d + " is running: release it again in a moment");
                        }
                    }
                }
            }
            Timestamp now = Timestamp.from(Instant.now());
            for (String d : released) {
                JobQueue.enqueue(c, "FORWARD", d, 1);
                try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = 'PENDING', attempts = 0, next_attempt_at = ?, "
                        + "last_error = ?, updated_at = ? WHERE series_uid = ? AND kind = 'PUBLISH'")) {
                    ps.setTimestamp(1, now, Sql.utc());
                    ps.setString(2, "published again: released by " + user);
                    ps.setTimestamp(3, now, Sql.utc());
                    ps.setString(4, d);
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET outcome = 'RELEASED', outcome_reason = ? WHERE series_uid = ?")) {
                String reason = "released by " + user + ": " + comment;
                ps.setString(1, reason.length() > 1000 ? reason.substring(0, 1000) : reason);
                ps.setString(2, sourceUid);
                ps.executeUpdate();
            }
            return released;
        });
    }

    /** The outcome of enhancing a source series (only while it is still at {@code generation}): its data-consistency score and ENHANCED, FLAGGED or HELD. */
    public void recordEnhancement(String seriesUid, int generation, double consistency, String outcome) {
        Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET consistency = ?, outcome = ? WHERE series_uid = ? "
                    + "AND generation = ?")) {
                ps.setDouble(1, consistency);
                ps.setString(2, outcome);
                ps.setString(3, seriesUid);
                ps.setInt(4, generation);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** A series the rules chose but the model must not enhance (out of its scope): the outcome and why. */
    public void recordSkipped(String seriesUid, String outcome, String reason) {
        update(seriesUid, "outcome = ?, outcome_reason = ?", outcome, fit(reason, 1000));
    }

    /** Stores the assessment (JSON) of the series' current generation and clears the decision; a new generation clears both. */
    public void recordAssessment(String seriesUid, String json) {
        update(seriesUid, "assessment = ?, decision = NULL", json);
    }

    /** Where the FHIR server lists a published derived series (e.g. ImagingStudy/123). */
    public void recordFhir(String seriesUid, String ref) {
        update(seriesUid, "fhir_ref = ?", fit(ref, 256));
    }

    /** How long a stage took for a series (the latest run counts). */
    public void recordStageTime(String seriesUid, String stage, long millis) {
        Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(Sql.merge("stage_time", 2, "series_uid", "stage", "millis:BIGINT",
                    "finished_at:TIMESTAMP"))) {
                ps.setString(1, seriesUid);
                ps.setString(2, stage);
                ps.setLong(3, millis);
                ps.setTimestamp(4, Timestamp.from(Instant.now()), Sql.utc());
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Stage durations of a series in milliseconds, by stage name, in the order they finished. */
    public java.util.Map<String, Long> stageTimes(String seriesUid) {
        return Tx.run(ds, c -> {
            java.util.Map<String, Long> t = new java.util.LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT stage, millis FROM stage_time WHERE series_uid = ? ORDER BY finished_at")) {
                ps.setString(1, seriesUid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        t.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return t;
        });
    }

    /** Derived series made from a source series. */
    public List<SeriesInfo> derivedOf(String sourceUid) {
        // the enhanced image series first, then its Segmentation
        // current before superseded; within each, the enhanced image series, its Segmentation, rejection notes; newest first
        return query(" WHERE s.derived_from = ? ORDER BY CASE WHEN s.superseded_by IS NULL THEN 0 ELSE 1 END, "
                + "CASE WHEN s.modality = 'SEG' THEN 1 WHEN s.modality = 'KO' THEN 2 ELSE 0 END, s.completed_at DESC, s.series_uid", sourceUid);
    }

    /** Complete source series whose current decision is {@code decision}. */
    public List<SeriesInfo> withDecision(String decision) {
        return query(" WHERE s.decision = ? AND s.state = 'COMPLETE' ORDER BY s.completed_at", decision);
    }

    public void recordDecision(String seriesUid, String decision) {
        update(seriesUid, "decision = ?", decision);
    }

    /** Text cut to the width of its column (a reason may quote header values a peer chose). */
    private static String fit(String s, int width) {
        return s == null || s.length() <= width ? s : s.substring(0, width - 3) + "...";
    }

    private void update(String seriesUid, String assignments, Object... values) {
        Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET " + assignments + " WHERE series_uid = ?")) {
                for (int i = 0; i < values.length; i++) {
                    ps.setObject(i + 1, values[i]);
                }
                ps.setString(values.length + 1, seriesUid);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public Optional<SeriesInfo> find(String seriesUid) {
        return Tx.run(ds, c -> find(c, seriesUid));
    }

    public List<SeriesInfo> list(int limit) {
        return query(" ORDER BY s.last_received_at DESC LIMIT ?", limit);
    }

    /** Series selected by a WHERE/ORDER clause appended to SELECT, with its parameters. */
    private List<SeriesInfo> query(String clause, Object... params) {
        return Tx.run(ds, c -> {
            List<SeriesInfo> all = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SELECT + clause)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(map(rs));
                    }
                }
            }
            return all;
        });
    }

    /** Files of every instance of the series, in Instance order of arrival. */
    public List<Path> files(String seriesUid) {
        return Tx.run(ds, c -> {
            List<Path> files = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT path FROM instance WHERE series_uid = ? ORDER BY received_at, sop_uid")) {
                ps.setString(1, seriesUid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        files.add(Path.of(rs.getString(1)));
                    }
                }
            }
            return files;
        });
    }

    public long countByState(String state) {
        return Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM series WHERE state = ?")) {
                ps.setString(1, state);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static final String SELECT = "SELECT s.*, (SELECT COUNT(*) FROM instance i WHERE i.series_uid = s.series_uid) AS n "
            + "FROM series s";

    private static Optional<SeriesInfo> find(Connection c, String seriesUid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE s.series_uid = ?")) {
            ps.setString(1, seriesUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static SeriesInfo map(ResultSet rs) throws SQLException {
        Timestamp completed = rs.getTimestamp("completed_at", Sql.utc());
        return new SeriesInfo(rs.getString("series_uid"), rs.getString("study_uid"), rs.getString("modality"), rs.getString("state"),
                rs.getInt("generation"), rs.getInt("n"), rs.getTimestamp("first_received_at", Sql.utc()).toInstant(),
                rs.getTimestamp("last_received_at", Sql.utc()).toInstant(), completed == null ? null : completed.toInstant(),
                rs.getString("assessment"), rs.getString("decision"), (Double) rs.getObject("consistency"), rs.getString("outcome"),
                rs.getString("derived_from"), rs.getString("model"), rs.getString("fhir_ref"), rs.getString("outcome_reason"),
                rs.getString("superseded_by"), rs.getInt("enhance_run"));
    }

    private static void upsertInstance(Connection c, SpooledInstance i, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.merge("instance", 1, "sop_uid", "study_uid", "series_uid", "sop_class_uid",
                "transfer_syntax", "modality", "path", "size_bytes:BIGINT", "calling_ae", "received_at:TIMESTAMP"))) {
            ps.setString(1, i.header().sopInstanceUid());
            ps.setString(2, i.header().studyInstanceUid());
            ps.setString(3, i.header().seriesInstanceUid());
            ps.setString(4, i.header().sopClassUid());
            ps.setString(5, i.header().transferSyntaxUid());
            ps.setString(6, i.header().modality());
            ps.setString(7, i.path().toString());
            ps.setLong(8, i.sizeBytes());
            ps.setString(9, i.callingAe());
            ps.setTimestamp(10, Timestamp.from(now), Sql.utc());
            ps.executeUpdate();
        }
    }
}
