package org.srinode.series;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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
import javax.sql.DataSource;
import org.srinode.db.Database;
import org.srinode.db.Sql;
import org.srinode.db.Tx;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.jobs.JobState;
import org.srinode.spool.SpooledInstance;

/**
 * The series the node makes (issue 11, 12): registering a derived series with its FORWARD and PUBLISH jobs, and
 * withdrawing the derived series of a source's earlier generations (IOCM rejection note for what may be at the
 * destination, withdrawal publication for what the EHR was told), each in one transaction with what it replaces.
 */
@ApplicationScoped
public class DerivedSeries {
    private final DataSource ds;

    @Inject
    public DerivedSeries(Database db) {
        this.ds = db.dataSource();
    }

    /**
     * A derived series to register with a supersession: its instances (all of one series), whether its
     * FORWARD job is queued (not when held), the model that made it, whether it is published to FHIR.
     */
    public record Derived(List<SpooledInstance> instances, boolean forward, String model, boolean publish) {}

    /**
     * A derived series being withdrawn: its instances that may have reached the destination (its FORWARD
     * job ran at least once), and a file of it (for the patient and study attributes of a rejection note).
     *
     * @param series    the derived series
     * @param delivered its instances that may be at the destination; empty when it never left the node
     */
    public record Superseded(
            SeriesInfo series, List<org.srinode.dicom.RejectionNote.Withdrawn> delivered, Path anyFile) {}

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

    /** The source series moved on to a later generation while an earlier one was processed: its outputs must not become current. */
    public static final class StaleGeneration extends RuntimeException {
        public StaleGeneration(String message) {
            super(message, null, false, false);
        }
    }

    /** Reason code recorded in superseded_by for derived series an operator discarded. */
    public static final String DISCARDED = "DISCARDED";

    /**
     * Registers a derived series written by the node: its instances, the series as COMPLETE with
     * decision DERIVED and its source, its PUBLISH job (FHIR; not for a Segmentation) and, unless held, its FORWARD job, in one
     * transaction (it is never assessed again).
     */
    public void registerDerived(
            List<SpooledInstance> instances, boolean forward, String sourceUid, String model, boolean publish) {
        if (instances.isEmpty()) {
            return;
        }
        Tx.run(ds, c -> {
            registerDerived(c, instances, forward, sourceUid, model, publish);
            return null;
        });
    }

    private static void registerDerived(
            Connection c,
            List<SpooledInstance> instances,
            boolean forward,
            String sourceUid,
            String model,
            boolean publish)
            throws SQLException {
        Instant now = Instant.now();
        SpooledInstance first = instances.get(0);
        for (SpooledInstance i : instances) {
            SeriesTable.upsertInstance(c, i, now);
        }
        try (PreparedStatement ps = c.prepareStatement(Sql.merge(
                "series",
                1,
                "series_uid",
                "study_uid",
                "modality",
                "state",
                "generation:INT",
                "first_received_at:TIMESTAMP",
                "last_received_at:TIMESTAMP",
                "completed_at:TIMESTAMP",
                "decision",
                "derived_from",
                "model"))) {
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
            JobQueue.enqueue(c, JobKind.FORWARD, first.header().seriesInstanceUid(), 1);
        }
        if (publish) {
            JobQueue.enqueue(c, SeriesAssembler.PUBLISH, first.header().seriesInstanceUid(), 1);
        }
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
    public List<Superseded> supersede(
            String sourceUid, java.util.Set<String> current, String replacedBy, NoteWriter note) {
        return supersede(sourceUid, 0, List.of(), current, replacedBy, note, c -> null);
    }

    /**
     * Registers the derived series of a source's current generation and withdraws the earlier ones (see
     * {@link #supersede(String, java.util.Set, String, NoteWriter)}) in one transaction, so that no job of the
     * new series can run before the earlier ones are marked superseded (a FHIR publication would list both).
     *
     * @param generation the source's generation these outputs were made from (0: not checked)
     * @param register the current generation's derived series; their Series Instance UIDs are kept, with {@code current}
     * @param first run in the same transaction once the generation is checked (e.g. the source's outcome, so that no
     *     reader sees the outcome of an enhancement without its derived series, or the other way round); {@code c ->
     *     null} for nothing
     * @throws StaleGeneration when the source is no longer at {@code generation} (nothing is registered or withdrawn)
     */
    public List<Superseded> supersede(
            String sourceUid,
            int generation,
            List<Derived> register,
            java.util.Set<String> current,
            String replacedBy,
            NoteWriter note,
            Tx.Work<?> first) {
        return Tx.run(ds, c -> supersede(c, sourceUid, generation, register, current, replacedBy, note, first));
    }

    static List<Superseded> supersede(
            Connection c,
            String sourceUid,
            int generation,
            List<Derived> register,
            java.util.Set<String> current,
            String replacedBy,
            NoteWriter note,
            Tx.Work<?> first)
            throws SQLException {
        java.util.Set<String> keep = new HashSet<>(current);
        for (Derived d : register) {
            keep.add(d.instances().get(0).header().seriesInstanceUid());
        }
        SeriesTable.lockSeries(c, sourceUid); // one supersession of a source at a time
        if (generation > 0) {
            int now = SeriesTable.find(c, sourceUid).map(SeriesInfo::generation).orElse(generation);
            if (now != generation) {
                throw new StaleGeneration("series " + sourceUid + " is at generation " + now + ", not " + generation);
            }
        }
        first.run(c);
        for (Derived d : register) {
            registerDerived(c, d.instances(), d.forward(), sourceUid, d.model(), d.publish());
        }
        List<SeriesInfo> earlier = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(SeriesTable.SELECT + " WHERE s.derived_from = ? AND s.superseded_by IS NULL "
                        + "AND (s.modality IS NULL OR s.modality <> 'KO')")) {
            ps.setString(1, sourceUid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SeriesInfo s = SeriesTable.map(rs);
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
            anyPublished |= mayHaveRun(c, s.seriesUid(), SeriesAssembler.PUBLISH);
            boolean delivered = mayHaveRun(c, s.seriesUid(), JobKind.FORWARD);
            JobQueue.cancelPending(
                    c, s.seriesUid(), List.of(JobKind.FORWARD, JobKind.PUBLISH), "superseded by " + replacedBy);
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE series SET superseded_by = ? WHERE series_uid = ?")) {
                ps.setString(1, replacedBy);
                ps.setString(2, s.seriesUid());
                ps.executeUpdate();
            }
            List<org.srinode.dicom.RejectionNote.Withdrawn> sent = new ArrayList<>();
            Path anyFile = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT sop_uid, sop_class_uid, path FROM instance WHERE series_uid = ? " + "ORDER BY sop_uid")) {
                ps.setString(1, s.seriesUid());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        anyFile = Path.of(rs.getString(3));
                        if (delivered) {
                            sent.add(new org.srinode.dicom.RejectionNote.Withdrawn(
                                    s.seriesUid(), rs.getString(2), rs.getString(1)));
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
                throw new IllegalStateException(
                        "cannot write the rejection note of " + sourceUid + ": " + e.getMessage(), e);
            }
            registerDerived(c, List.of(written), true, sourceUid, null, false);
        }
        if (anyPublished && current.isEmpty() && register.stream().noneMatch(Derived::publish)) {
            // the EHR was told about a series that is now withdrawn and no new publication will replace it: a
            // withdrawal
            // publication of the source (PublishStage) takes it out of the ImagingStudy and deletes its findings
            JobQueue.enqueueOrRunAgain(
                    c,
                    SeriesAssembler.PUBLISH,
                    sourceUid,
                    SeriesTable.find(c, sourceUid).map(SeriesInfo::generation).orElse(Math.max(1, generation)));
        }
        return withdrawn;
    }

    /**
     * Whether a job of this kind for the series may have had an effect outside the node: it ran or is running
     * (not PENDING or CANCELLED), or failed at least once (a lost answer may hide a success). Locks the rows.
     */
    private static boolean mayHaveRun(Connection c, String seriesUid, JobKind kind) throws SQLException {
        boolean ran = false;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT state, attempts FROM job WHERE series_uid = ? AND kind = ? FOR UPDATE")) {
            ps.setString(1, seriesUid);
            ps.setString(2, kind.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    JobState state = JobState.valueOf(rs.getString(1));
                    ran |= state != JobState.PENDING && state != JobState.CANCELLED || rs.getInt(2) > 0;
                }
            }
        }
        return ran;
    }
}
