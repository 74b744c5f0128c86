package org.srinode.series;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.srinode.db.Database;
import org.srinode.db.Tx;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.jobs.JobState;

/**
 * What an operator may do to an acquired series (issue 12), each in one transaction with the series row locked, and
 * refused with {@link NotApplicable} (a sentence saying why) when it does not apply to the series as it is: discard
 * its derived output, have it enhanced again, release a held enhancement. Who did it and why become the series'
 * outcome reason; the API audits the action.
 */
@ApplicationScoped
public class OperatorActions {
    private final DataSource ds;

    @Inject
    public OperatorActions(Database db) {
        this.ds = db.dataSource();
    }

    /** An operator action that does not apply to the series as it is now (the message says why). */
    public static final class NotApplicable extends RuntimeException {
        public NotApplicable(String message) {
            super(message, null, false, false);
        }
    }

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
    public List<DerivedSeries.Superseded> discard(
            String sourceUid, String user, String comment, DerivedSeries.NoteWriter note) {
        return Tx.run(ds, c -> {
            SeriesTable.lockSeries(c, sourceUid);
            SeriesInfo s = acquired(c, sourceUid);
            if (!"COMPLETE".equals(s.state())) {
                throw new NotApplicable(
                        "series " + sourceUid + " is " + s.state() + " (late instances arrived): its next generation "
                                + "replaces the output; discard that once it is done");
            }
            for (JobKind kind : List.of(JobKind.ASSESS, JobKind.ENHANCE)) {
                JobState state = jobState(c, sourceUid, kind, s.generation());
                if (state == JobState.PENDING || state == JobState.RUNNING) {
                    throw new NotApplicable("the " + (kind == JobKind.ASSESS ? "assessment" : "enhancement")
                            + " of series " + sourceUid + " is " + state.name().toLowerCase(java.util.Locale.ROOT)
                            + ": discard its output once it is done");
                }
            }
            List<DerivedSeries.Superseded> withdrawn = DerivedSeries.supersede(
                    c, sourceUid, 0, List.of(), java.util.Set.of(), DerivedSeries.DISCARDED, note, x -> null);
            if (withdrawn.isEmpty()) {
                throw new NotApplicable("series " + sourceUid + " has no current derived output to discard");
            }
            SeriesTable.setOutcome(c, sourceUid, Outcome.DISCARDED, "discarded by " + user + ": " + comment);
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
            SeriesTable.lockSeries(c, sourceUid);
            SeriesInfo s = acquired(c, sourceUid);
            if (!"COMPLETE".equals(s.state())) {
                throw new NotApplicable(
                        "series " + sourceUid + " is still " + s.state() + ": it is enhanced once complete");
            }
            JobState state = jobState(c, sourceUid, JobKind.ENHANCE, s.generation());
            if (state == null) {
                throw new NotApplicable(
                        "series " + sourceUid + " was not routed to enhancement (decision " + s.decision() + ")");
            }
            if (state == JobState.PENDING || state == JobState.RUNNING) {
                throw new NotApplicable("the enhancement of series " + sourceUid + " is "
                        + state.name().toLowerCase(java.util.Locale.ROOT) + " already");
            }
            JobQueue.runAgain(
                    c, JobKind.ENHANCE, sourceUid, s.generation(), "enhanced again at the request of " + user);
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE series SET enhance_run = enhance_run + 1 WHERE series_uid = ?")) {
                ps.setString(1, sourceUid);
                ps.executeUpdate();
            }
            SeriesTable.setOutcome(
                    c, sourceUid, s.outcome(), "enhanced again at the request of " + user + ": " + comment);
            return s.enhanceRun() + 1;
        });
        JobQueue.wakeAfterCommit(JobKind.ENHANCE);
        return run;
    }

    /**
     * An operator releases a held enhancement (issue 12): the current derived series of the source (the enhanced
     * series and its Segmentation) get their FORWARD jobs, their publication is run again so that the EHR lists the
     * series, and the outcome becomes RELEASED with who and why; one transaction.
     *
     * @param sourceUid the acquired series whose enhancement was HELD
     * @return the derived Series Instance UIDs released
     * @throws NotApplicable when the series is unknown, its outcome is not HELD (a later generation, a second release), or
     *     its enhancement is pending or running (a re-run or retry that will replace the held output)
     */
    public List<String> release(String sourceUid, String user, String comment) {
        return Tx.run(ds, c -> {
            SeriesTable.lockSeries(c, sourceUid);
            SeriesInfo s =
                    SeriesTable.find(c, sourceUid).orElseThrow(() -> new NotApplicable("no series " + sourceUid));
            if (s.outcome() != Outcome.HELD) {
                throw new NotApplicable("series " + sourceUid + " is not held (outcome " + s.outcome() + ")");
            }
            JobState enhancing = jobState(c, sourceUid, JobKind.ENHANCE, s.generation());
            if (enhancing == JobState.PENDING || enhancing == JobState.RUNNING) {
                // an operator's re-run (or a retry) will replace the held output: release what it makes, once made
                throw new NotApplicable("the enhancement of series " + sourceUid + " is "
                        + enhancing.name().toLowerCase(java.util.Locale.ROOT)
                        + ": its output replaces the held one; release that once it is done");
            }
            List<String> released = new ArrayList<>();
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT series_uid FROM series WHERE derived_from = ? AND superseded_by IS NULL "
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
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT 1 FROM job WHERE series_uid = ? AND kind = 'PUBLISH' AND state = 'RUNNING' "
                                + "FOR UPDATE")) {
                    ps.setString(1, d);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            throw new NotApplicable("the FHIR publication of series " + d
                                    + " is running: release it again in a moment");
                        }
                    }
                }
            }
            for (String d : released) {
                JobQueue.enqueue(c, JobKind.FORWARD, d, 1);
                JobQueue.runAgain(c, JobKind.PUBLISH, d, null, "published again: released by " + user);
            }
            SeriesTable.setOutcome(c, sourceUid, Outcome.RELEASED, "released by " + user + ": " + comment);
            return released;
        });
    }

    /** An acquired (not derived) series, locked by the caller. */
    private static SeriesInfo acquired(Connection c, String sourceUid) throws SQLException {
        SeriesInfo s = SeriesTable.find(c, sourceUid).orElseThrow(() -> new NotApplicable("no series " + sourceUid));
        if (s.derivedFrom() != null) {
            throw new NotApplicable("series " + sourceUid + " was made by the node from " + s.derivedFrom()
                    + ": act on that acquired series");
        }
        return s;
    }

    /** The state of the series' job of this kind and generation, null when there is none; locks the row. */
    private static JobState jobState(Connection c, String seriesUid, JobKind kind, int generation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT state FROM job WHERE series_uid = ? AND kind = ? AND generation = ? FOR UPDATE")) {
            ps.setString(1, seriesUid);
            ps.setString(2, kind.name());
            ps.setInt(3, generation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? JobState.valueOf(rs.getString(1)) : null;
            }
        }
    }
}
