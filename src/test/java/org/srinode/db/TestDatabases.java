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
}
