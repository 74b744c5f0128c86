package org.srinode.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.jobs.JobState;

/** Schema versions (issue 14): a database an older node made without Flyway is upgraded in place, nothing lost. */
class DatabaseTest {
    @Test
    void aDatabaseMadeBeforeFlywayIsBaselinedAndMigratedWithItsRowsAndARunningJobIsDueAgain() throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.h2();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            // the tables as the node of session 6 made them (db.Schema, before Flyway)
            s.execute(
                    "CREATE TABLE series (series_uid VARCHAR(64) PRIMARY KEY, study_uid VARCHAR(64) NOT NULL, modality VARCHAR(16), "
                            + "state VARCHAR(16) NOT NULL, generation INT NOT NULL, first_received_at TIMESTAMP NOT NULL, "
                            + "last_received_at TIMESTAMP NOT NULL, completed_at TIMESTAMP, assessment CLOB, decision VARCHAR(32))");
            s.execute(
                    "CREATE TABLE job (id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(32) NOT NULL, series_uid VARCHAR(64) NOT NULL, "
                            + "generation INT NOT NULL, state VARCHAR(16) NOT NULL, attempts INT NOT NULL, next_attempt_at TIMESTAMP NOT NULL, "
                            + "last_error VARCHAR(2000), created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, UNIQUE (kind, series_uid, generation))");
            s.execute(
                    "INSERT INTO series (series_uid, study_uid, state, generation, first_received_at, last_received_at, assessment) "
                            + "VALUES ('1.2.3', '1.2', 'COMPLETE', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{\"x\":1}')");
            s.execute(
                    "INSERT INTO job (kind, series_uid, generation, state, attempts, next_attempt_at, created_at, updated_at) "
                            + "VALUES ('FORWARD', '1.2.3', 1, 'RUNNING', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
        }
        new Database(ds);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\" AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            java.util.List<String> versions = new java.util.ArrayList<>();
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
            // the baseline, then every migration the node ships, in order
            java.util.List<String> shipped = new java.util.ArrayList<>(java.util.List.of("0"));
            try (java.util.stream.Stream<java.nio.file.Path> files =
                    java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/migration"))) {
                files.map(f -> f.getFileName().toString().replaceAll("^V(\\d+)__.*", "$1"))
                        .map(Integer::valueOf)
                        .sorted()
                        .forEach(v -> shipped.add(v.toString()));
            }
            assertThat(shipped).hasSizeGreaterThan(2);
            assertThat(versions).isEqualTo(shipped);
        }
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT assessment, enhance_run FROM series WHERE series_uid = '1.2.3'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("{\"x\":1}");
            assertThat(rs.getInt(2))
                    .as("a column version 1 adds, with its default")
                    .isEqualTo(1);
        }
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            // version 5: only the outcomes series.Outcome knows
            s.executeUpdate("UPDATE series SET outcome = 'HELD' WHERE series_uid = '1.2.3'");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> s.executeUpdate("UPDATE series SET outcome = 'ENHANCD' WHERE series_uid = '1.2.3'"))
                    .hasMessageContaining("SERIES_OUTCOME_KNOWN");
        }
        JobQueue q = new JobQueue(ds);
        Job j = q.forSeries("1.2.3").get(0);
        assertThat(j.state())
                .as("a job left running without an owner is due again")
                .isEqualTo(JobState.PENDING);
        assertThat(q.claimDue(JobKind.FORWARD, 1)).extracting(Job::claimedBy).containsExactly("node");
        new Database(ds); // a second start: nothing to migrate, nothing changed
        assertThat(q.forSeries("1.2.3").get(0).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aPostgresDatabaseThatHoldsAnotherApplicationsTablesIsRefusedNotAltered() throws Exception {
        javax.sql.DataSource ds = Postgres.shared().emptyDatabase();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE series (id SERIAL PRIMARY KEY, name TEXT)");
            s.execute("INSERT INTO series (name) VALUES ('theirs')");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Database(ds))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("non-empty schema")
                .hasMessageContaining("a database of its own");
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'series'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("their table keeps its two columns").isEqualTo(2);
        }
    }
}
