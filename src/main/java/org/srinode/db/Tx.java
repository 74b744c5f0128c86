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
     * Runs {@code work} in a transaction and commits it. When the rollback after a failure, or the COMMIT, fails, the
     * database connection under the pooled one is closed ({@link #discard}): a pool resets a connection it gets back
     * (Agroal turns auto-commit on again, which commits whatever is still open), so such a connection must never go
     * back to it alive.
     *
     * @throws CommitUncertainException when the COMMIT failed (outcome unknown)
     * @throws IllegalStateException wrapping the {@link SQLException} of the work (rolled back) or of the connection
     * @throws RuntimeException what the work threw (rolled back)
     * @throws Error what the work threw (rolled back)
     */
    public static <T> T run(DataSource ds, Work<T> work) {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            T result;
            try {
                result = work.run(c);
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                    c.setAutoCommit(auto);
                } catch (SQLException | RuntimeException r) {
                    // the work's failure stays the one reported
                    e.addSuppressed(r);
                    discard(c, e);
                }
                throw e;
            }
            try {
                c.commit();
            } catch (SQLException e) {
                CommitUncertainException uncertain = new CommitUncertainException(e);
                discard(c, uncertain);
                throw uncertain;
            }
            c.setAutoCommit(auto);
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException("database error: " + e.getMessage(), e);
        }
    }

    /**
     * Closes the database's own connection under {@code c} ({@code unwrap}; {@code c} itself when it is not a
     * wrapper), so that the server rolls back what is open and the pool, finding it closed when it resets it, drops it
     * instead of handing it out again. What fails here is added to {@code failure}.
     */
    static void discard(Connection c, Throwable failure) {
        try {
            Connection physical = c.isWrapperFor(Connection.class) ? c.unwrap(Connection.class) : c;
            physical.close();
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
