package org.srinode.series;

import javax.sql.DataSource;
import org.srinode.db.Postgres;

/** Every {@link SeriesAssemblerTest} again on a real PostgreSQL 15 (issue 14): registration, completion, supersession and operator actions on both databases. */
class SeriesAssemblerOnPostgresTest extends SeriesAssemblerTest {
    @Override
    DataSource newDatabase() throws Exception {
        return Postgres.shared().emptyDatabase();
    }
}
