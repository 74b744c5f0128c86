package org.srinode.jobs;

import javax.sql.DataSource;
import org.srinode.db.Postgres;

/** Every {@link JobQueueTest} again on a real PostgreSQL 15 (issue 14): the SQL, SKIP LOCKED and the leases on both databases. */
class JobQueueOnPostgresTest extends JobQueueTest {
    @Override
    DataSource newDatabase() throws Exception {
        return Postgres.shared().emptyDatabase();
    }
}
