package org.srinode.db;

import org.h2.jdbcx.JdbcDataSource;

/** Databases for unit tests: each call an empty in-memory H2 of its own (kept open until the JVM ends). */
public final class TestDatabases {
    private TestDatabases() {}

    /** A new, empty in-memory H2 database; {@code new Database(ds)} creates the node's schema in it. */
    public static JdbcDataSource h2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        return h2;
    }

    /**
     * A node database (schema created) holding series {@code 1.2.3} at generation 2, RECEIVING (re-opened by a late
     * instance), and a due job of {@code kind} for its generation 1.
     */
    public static JdbcDataSource withSeriesReopenedDuring(org.srinode.jobs.JobKind kind) throws java.sql.SQLException {
        JdbcDataSource ds = h2();
        new Database(ds);
        try (java.sql.Connection c = ds.getConnection();
                java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO series (series_uid, study_uid, "
                        + "modality, state, generation, first_received_at, last_received_at) VALUES ('1.2.3', '1.2', "
                        + "'MR', 'RECEIVING', 2, ?, ?)")) {
            ps.setTimestamp(1, java.sql.Timestamp.from(java.time.Instant.now()));
            ps.setTimestamp(2, java.sql.Timestamp.from(java.time.Instant.now()));
            ps.executeUpdate();
            org.srinode.jobs.JobQueue.enqueue(c, kind, "1.2.3", 1);
        }
        return ds;
    }
}
