package org.srinode.series;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.srinode.db.Database;
import org.srinode.db.Sql;
import org.srinode.db.Tx;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;

/**
 * The series repository the stages and the API use (issue 17): what the node knows of a series (its row, instance
 * files, derived series, stage times) and the small writes through which each stage records its result (assessment,
 * decision, enhancement outcome, FHIR reference, stage time). Registration and completion are {@link SeriesAssembler}'s,
 * derived series and their withdrawal {@link DerivedSeries}', operator actions {@link OperatorActions}'.
 */
@ApplicationScoped
public class SeriesRecords {
    private final DataSource ds;

    @Inject
    public SeriesRecords(Database db) {
        this.ds = db.dataSource();
    }

    public Optional<SeriesInfo> find(String seriesUid) {
        return Tx.run(ds, c -> SeriesTable.find(c, seriesUid));
    }

    /** The series' generation now, or {@code otherwise} when the series is not in the database. */
    public int generationOr(String seriesUid, int otherwise) {
        return find(seriesUid).map(SeriesInfo::generation).orElse(otherwise);
    }

    public List<SeriesInfo> list(int limit) {
        return query(" ORDER BY s.last_received_at DESC LIMIT ?", limit);
    }

    /** Files of every instance of the series, in Instance order of arrival. */
    public List<Path> files(String seriesUid) {
        return Tx.run(ds, c -> {
            List<Path> files = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT path FROM instance WHERE series_uid = ? ORDER BY received_at, sop_uid")) {
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

    /** Derived series made from a source series. */
    public List<SeriesInfo> derivedOf(String sourceUid) {
        // the enhanced image series first, then its Segmentation
        // current before superseded; within each, the enhanced image series, its Segmentation, rejection notes; newest
        // first
        return query(
                " WHERE s.derived_from = ? ORDER BY CASE WHEN s.superseded_by IS NULL THEN 0 ELSE 1 END, "
                        + "CASE WHEN s.modality = 'SEG' THEN 1 WHEN s.modality = 'KO' THEN 2 ELSE 0 END, s.completed_at DESC, s.series_uid",
                sourceUid);
    }

    /** Complete source series whose current decision is {@code decision}. */
    public List<SeriesInfo> withDecision(String decision) {
        return query(" WHERE s.decision = ? AND s.state = 'COMPLETE' ORDER BY s.completed_at", decision);
    }

    /** What withdrew the series (a derived Series Instance UID or a reason code); empty while it is current or unknown. */
    public Optional<String> supersededBy(String seriesUid) {
        return find(seriesUid).map(SeriesInfo::supersededBy);
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

    /** Stage durations of a series in milliseconds, by stage name, in the order they finished. */
    public java.util.Map<String, Long> stageTimes(String seriesUid) {
        return Tx.run(ds, c -> {
            java.util.Map<String, Long> t = new java.util.LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT stage, millis FROM stage_time WHERE series_uid = ? ORDER BY finished_at")) {
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

    /**
     * Stores the assessment (JSON) of the series at {@code generation} and clears the decision; a new generation clears
     * both.
     *
     * @throws DerivedSeries.StaleGeneration when the series has moved on from {@code generation} (a late instance
     *     re-opened it): nothing is written, so a late retry of an old job never clears the newer generation's decision
     */
    public void recordAssessment(String seriesUid, int generation, String json) {
        updateAt(seriesUid, generation, "assessment = ?, decision = NULL", json);
    }

    /**
     * Stores the routing decision of the series at {@code generation}.
     *
     * @throws DerivedSeries.StaleGeneration as {@link #recordAssessment}
     */
    public void recordDecision(String seriesUid, int generation, String decision) {
        updateAt(seriesUid, generation, "decision = ?", decision);
    }

    /**
     * A model became available for a series that waited for one: in one transaction, only while the series is still at
     * {@code generation} and still waiting, its NO_MODEL outcome and reason are cleared, its decision becomes ENHANCE
     * and its ENHANCE job is queued (a job claimed at once can then never find, or overwrite, the waiting state).
     *
     * @return whether the series was queued (false: it moved on meanwhile)
     */
    public boolean leaveWaiting(String seriesUid, int generation, String waiting, JobKind enhance) {
        return Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE series SET decision = 'ENHANCE', outcome = NULL, "
                    + "outcome_reason = NULL WHERE series_uid = ? AND generation = ? AND decision = ?")) {
                ps.setString(1, seriesUid);
                ps.setInt(2, generation);
                ps.setString(3, waiting);
                if (ps.executeUpdate() != 1) {
                    return false;
                }
            }
            // a job of this generation may exist already (queued before the model went away, then assessed again): due
            // again
            JobQueue.enqueueOrRunAgain(c, enhance, seriesUid, generation);
            return true;
        });
    }

    /**
     * A series the rules chose but the node did not enhance (out of the model's scope, no model), in the caller's
     * transaction: the outcome and why; the data-consistency score of an earlier run is cleared (nothing was enhanced
     * this time).
     */
    public static void recordSkipped(java.sql.Connection c, String seriesUid, Outcome outcome, String reason)
            throws java.sql.SQLException {
        SeriesTable.setOutcome(c, seriesUid, outcome, reason);
        try (PreparedStatement ps = c.prepareStatement("UPDATE series SET consistency = NULL WHERE series_uid = ?")) {
            ps.setString(1, seriesUid);
            ps.executeUpdate();
        }
    }

    /**
     * The outcome of enhancing a source series (only while it is still at {@code generation}): its data-consistency score
     * and ENHANCED, FLAGGED or HELD; a failure's reason before it (a requeued job or a re-run that succeeded) goes, an
     * operator's reason stays.
     */
    public static void recordEnhancement(
            java.sql.Connection c, String seriesUid, int generation, double consistency, Outcome outcome)
            throws java.sql.SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE series SET consistency = ?, outcome = ?, outcome_reason = "
                        + "CASE WHEN outcome_reason LIKE 'enhancement failed%' THEN NULL ELSE outcome_reason END "
                        + "WHERE series_uid = ? AND generation = ?")) {
            ps.setDouble(1, consistency);
            ps.setString(2, outcome.name());
            ps.setString(3, seriesUid);
            ps.setInt(4, generation);
            ps.executeUpdate();
        }
    }

    /**
     * The enhancement of a source series failed for good, in the caller's transaction: the reason (which should start
     * with "enhancement failed", see {@link #recordEnhancement}) and, when no current derived output of the series is
     * left, outcome FAILED; the outcome of a current output (the run before an operator's re-run) stays, so a held result
     * can still be released. Only while the series is still at {@code generation} and {@code enhanceRun} and the job
     * {@code jobId} is still DEAD (not requeued or re-run meanwhile).
     *
     * @param withdrawing true when the caller's transaction withdraws every current output of the series (a supersession
     *     step runs before the withdrawal, so those outputs still look current here): outcome FAILED regardless
     * @return whether it was recorded
     */
    public static boolean recordFailure(
            java.sql.Connection c,
            String seriesUid,
            int generation,
            int enhanceRun,
            long jobId,
            String reason,
            boolean withdrawing)
            throws java.sql.SQLException {
        String current = withdrawing
                ? "FALSE"
                : "EXISTS (SELECT 1 FROM series d WHERE d.derived_from = ? AND d.superseded_by IS NULL "
                        + "AND (d.modality IS NULL OR d.modality <> 'KO'))";
        try (PreparedStatement ps = c.prepareStatement("UPDATE series SET outcome = CASE WHEN " + current
                + " THEN outcome ELSE 'FAILED' END, outcome_reason = ? WHERE series_uid = ? AND generation = ? "
                + "AND enhance_run = ? AND EXISTS (SELECT 1 FROM job WHERE id = ? AND state = 'DEAD')")) {
            int i = 1;
            if (!withdrawing) {
                ps.setString(i++, seriesUid);
            }
            ps.setString(i++, SeriesTable.fit(reason, 1000));
            ps.setString(i++, seriesUid);
            ps.setInt(i++, generation);
            ps.setInt(i++, enhanceRun);
            ps.setLong(i, jobId);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * {@link #recordFailure(java.sql.Connection, String, int, int, long, String, boolean)} in a transaction of its own
     * that withdraws nothing.
     */
    public boolean recordFailure(String seriesUid, int generation, int enhanceRun, long jobId, String reason) {
        return Tx.run(ds, c -> {
            SeriesTable.lockSeries(c, seriesUid);
            return recordFailure(c, seriesUid, generation, enhanceRun, jobId, reason, false);
        });
    }

    /** Where the FHIR server lists a published derived series (e.g. ImagingStudy/123). */
    public void recordFhir(String seriesUid, String ref) {
        update(seriesUid, "fhir_ref = ?", SeriesTable.fit(ref, 256));
    }

    /** How long a stage took for a series (the latest run counts). */
    public void recordStageTime(String seriesUid, String stage, long millis) {
        Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    Sql.merge("stage_time", 2, "series_uid", "stage", "millis:BIGINT", "finished_at:TIMESTAMP"))) {
                ps.setString(1, seriesUid);
                ps.setString(2, stage);
                ps.setLong(3, millis);
                ps.setTimestamp(4, Timestamp.from(Instant.now()), Sql.utc());
                ps.executeUpdate();
            }
            return null;
        });
    }

    private void update(String seriesUid, String assignments, Object... values) {
        Tx.run(ds, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE series SET " + assignments + " WHERE series_uid = ?")) {
                for (int i = 0; i < values.length; i++) {
                    ps.setObject(i + 1, values[i]);
                }
                ps.setString(values.length + 1, seriesUid);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private void updateAt(String seriesUid, int generation, String assignments, Object value) {
        Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE series SET " + assignments + " WHERE series_uid = ? AND generation = ?")) {
                ps.setObject(1, value);
                ps.setString(2, seriesUid);
                ps.setInt(3, generation);
                if (ps.executeUpdate() != 1) {
                    throw new DerivedSeries.StaleGeneration("series " + seriesUid + " is no longer at generation "
                            + generation + " (or unknown): this job's result is not recorded");
                }
            }
            return null;
        });
    }

    /** Series selected by a WHERE/ORDER clause appended to the series SELECT, with its parameters. */
    private List<SeriesInfo> query(String clause, Object... params) {
        return Tx.run(ds, c -> SeriesTable.query(c, clause, params));
    }
}
