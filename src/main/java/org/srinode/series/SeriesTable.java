package org.srinode.series;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.srinode.db.Sql;
import org.srinode.spool.SpooledInstance;

/**
 * The SQL of the {@code series} and {@code instance} tables that the series package's classes share, each inside a
 * transaction the caller holds ({@link org.srinode.db.Tx}): reading a series row into {@link SeriesInfo} (with its
 * instance count), locking a series row, writing an instance row, an outcome. Tables: db/migration V1.
 */
final class SeriesTable {
    /** A series row with its instance count as {@code n}; append a WHERE/ORDER clause. */
    static final String SELECT =
            "SELECT s.*, (SELECT COUNT(*) FROM instance i WHERE i.series_uid = s.series_uid) AS n " + "FROM series s";

    private SeriesTable() {}

    static Optional<SeriesInfo> find(Connection c, String seriesUid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE s.series_uid = ?")) {
            ps.setString(1, seriesUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    static SeriesInfo map(ResultSet rs) throws SQLException {
        Timestamp completed = rs.getTimestamp("completed_at", Sql.utc());
        return new SeriesInfo(
                rs.getString("series_uid"),
                rs.getString("study_uid"),
                rs.getString("modality"),
                rs.getString("state"),
                rs.getInt("generation"),
                rs.getInt("n"),
                rs.getTimestamp("first_received_at", Sql.utc()).toInstant(),
                rs.getTimestamp("last_received_at", Sql.utc()).toInstant(),
                completed == null ? null : completed.toInstant(),
                rs.getString("assessment"),
                rs.getString("decision"),
                (Double) rs.getObject("consistency"),
                Outcome.of(rs.getString("outcome")),
                rs.getString("derived_from"),
                rs.getString("model"),
                rs.getString("fhir_ref"),
                rs.getString("outcome_reason"),
                rs.getString("superseded_by"),
                rs.getInt("enhance_run"));
    }

    /** Locks the series row for the rest of the transaction; its state, or empty when the series is new. */
    static Optional<String> lockSeries(Connection c, String seriesUid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM series WHERE series_uid = ? FOR UPDATE")) {
            ps.setString(1, seriesUid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    static void upsertInstance(Connection c, SpooledInstance i, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.merge(
                "instance",
                1,
                "sop_uid",
                "study_uid",
                "series_uid",
                "sop_class_uid",
                "transfer_syntax",
                "modality",
                "path",
                "size_bytes:BIGINT",
                "calling_ae",
                "received_at:TIMESTAMP"))) {
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

    static void setOutcome(Connection c, String seriesUid, Outcome outcome, String reason) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE series SET outcome = ?, outcome_reason = ? WHERE series_uid = ?")) {
            ps.setString(1, outcome == null ? null : outcome.name());
            ps.setString(2, fit(reason, 1000));
            ps.setString(3, seriesUid);
            ps.executeUpdate();
        }
    }

    /** Text cut to the width of its column (a reason may quote header values a peer chose). */
    static String fit(String s, int width) {
        return s == null || s.length() <= width ? s : s.substring(0, width - 3) + "...";
    }

    /** Series selected by a WHERE/ORDER clause appended to {@link #SELECT}, with its parameters. */
    static List<SeriesInfo> query(Connection c, String clause, Object... params) throws SQLException {
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
    }
}
