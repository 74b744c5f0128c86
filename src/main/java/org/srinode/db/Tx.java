package org.srinode.db;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Runs a unit of work in one JDBC transaction. */
public final class Tx {
    /** Work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * The COMMIT itself failed: the database may have committed the transaction or not (a connection lost while the
     * COMMIT was under way, its answer lost, a server that finishes it later). A failure of the work before the COMMIT
     * is never this: that transaction is rolled back (a connection lost before the COMMIT aborts it on the server).
     */
    public static final class CommitUncertainException extends IllegalStateException {
        CommitUncertainException(SQLException cause) {
            super(
                    "database error at COMMIT (the transaction may or may not have committed): " + cause.getMessage(),
                    cause);
        }
    }

    private Tx() {}

    /**
     * Runs {@code work} in a transaction and commits it.
     *
     * @throws CommitUncertainException when the COMMIT failed (outcome unknown)
     * @throws IllegalStateException wrapping the {@link SQLException} of the work (rolled back) or of the connection
     * @throws RuntimeException what the work threw (rolled back)
     */
    public static <T> T run(DataSource ds, Work<T> work) {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            T result;
            try {
                result = work.run(c);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                    c.setAutoCommit(auto); // not after a failed rollback: turning auto-commit on would commit the work
                } catch (SQLException r) {
                    // the work's failure stays the one reported; the pool discards the connection
                    e.addSuppressed(r);
                }
                throw e;
            }
            try {
                c.commit();
            } catch (SQLException e) {
                try {
                    c.setAutoCommit(auto);
                } catch (SQLException ignored) {
                    // the connection is most likely gone: the pool discards it
                }
                throw new CommitUncertainException(e);
            }
            c.setAutoCommit(auto);
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException("database error: " + e.getMessage(), e);
        }
    }
}
