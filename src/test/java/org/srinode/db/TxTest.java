package org.srinode.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * Transactions whose rollback or COMMIT fails, on a database behind a pool that resets every connection it gets back
 * as Agroal does (auto-commit turned on again, which commits whatever is still open).
 */
class TxTest {
    private final JdbcDataSource h2 = TestDatabases.h2();

    /** Connections whose rollback fails (when {@code rollbackFails}), given back to a pool that resets them. */
    private DataSource pooled(boolean rollbackFails, AtomicReference<Connection> physical) {
        ClassLoader loader = getClass().getClassLoader();
        return (DataSource) Proxy.newProxyInstance(loader, new Class<?>[] {DataSource.class}, (p, m, args) -> {
            if (!m.getName().equals("getConnection")) {
                return m.invoke(h2, args);
            }
            Connection real = h2.getConnection();
            physical.set(real);
            return Proxy.newProxyInstance(loader, new Class<?>[] {Connection.class}, (cp, cm, ca) -> {
                switch (cm.getName()) {
                    case "rollback" -> {
                        if (rollbackFails) {
                            throw new SQLException("I/O error during rollback", "08006");
                        }
                    }
                    case "close" -> { // the pool's reset, as Agroal's: auto-commit back on, the connection kept
                        if (!real.isClosed()) {
                            real.setAutoCommit(true);
                        }
                        return null;
                    }
                    case "isWrapperFor" -> {
                        return ((Class<?>) ca[0]).isInstance(real);
                    }
                    case "unwrap" -> {
                        return real;
                    }
                    default -> {
                        // below
                    }
                }
                try {
                    return cm.invoke(real, ca);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        });
    }

    private int rows() throws SQLException {
        try (Connection c = h2.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * The work inserts a row and fails; the rollback fails too. Before, the connection went back to the pool with the
     * insert still open and the pool's reset committed it: the work's half was in the database.
     */
    @Test
    void aFailedRollbackNeverLetsThePoolCommitTheWork() throws Exception {
        try (Connection c = h2.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
        }
        AtomicReference<Connection> physical = new AtomicReference<>();
        assertThatThrownBy(() -> Tx.run(pooled(true, physical), c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("INSERT INTO t VALUES (1)");
                    }
                    throw new IllegalStateException("the work failed");
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the work failed")
                .satisfies(e -> assertThat(e.getSuppressed()[0]).hasMessageContaining("rollback"));
        assertThat(physical.get().isClosed())
                .as("the database connection under the pooled one")
                .isTrue();
        assertThat(rows()).as("rows the failed work left").isZero();
        // an Error in the work is rolled back too (it was not before)
        assertThatThrownBy(() -> Tx.run(pooled(false, physical), c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute("INSERT INTO t VALUES (2)");
                    }
                    throw new AssertionError("an error in the work");
                }))
                .isInstanceOf(AssertionError.class);
        assertThat(rows()).as("rows the work that threw an Error left").isZero();
    }
}
