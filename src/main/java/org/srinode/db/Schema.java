package org.srinode.db;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Creates the node's tables in its embedded H2 database (file under the data folder) at start-up. */
@ApplicationScoped
@Startup
public class Schema {
    private static final String[] DDL = {
        """
        CREATE TABLE IF NOT EXISTS instance (
          sop_uid VARCHAR(64) PRIMARY KEY, study_uid VARCHAR(64) NOT NULL, series_uid VARCHAR(64) NOT NULL,
          sop_class_uid VARCHAR(64), transfer_syntax VARCHAR(64), modality VARCHAR(16), path VARCHAR(1024) NOT NULL,
          size_bytes BIGINT NOT NULL, calling_ae VARCHAR(16), received_at TIMESTAMP NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS instance_series ON instance(series_uid)",
        """
        CREATE TABLE IF NOT EXISTS series (
          series_uid VARCHAR(64) PRIMARY KEY, study_uid VARCHAR(64) NOT NULL, modality VARCHAR(16),
          state VARCHAR(16) NOT NULL, generation INT NOT NULL, first_received_at TIMESTAMP NOT NULL,
          last_received_at TIMESTAMP NOT NULL, completed_at TIMESTAMP)""",
        """
        CREATE TABLE IF NOT EXISTS job (
          id BIGINT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(32) NOT NULL, series_uid VARCHAR(64) NOT NULL,
          generation INT NOT NULL, state VARCHAR(16) NOT NULL, attempts INT NOT NULL, next_attempt_at TIMESTAMP NOT NULL,
          last_error VARCHAR(2000), created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
          UNIQUE (kind, series_uid, generation))""",
        "CREATE INDEX IF NOT EXISTS job_due ON job(state, next_attempt_at)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS assessment CLOB",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS decision VARCHAR(32)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS consistency DOUBLE PRECISION",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS outcome VARCHAR(16)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS derived_from VARCHAR(64)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS model VARCHAR(128)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS fhir_ref VARCHAR(256)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS outcome_reason VARCHAR(1000)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS superseded_by VARCHAR(64)",
        "ALTER TABLE series ADD COLUMN IF NOT EXISTS enhance_run INT DEFAULT 1 NOT NULL",
        "ALTER TABLE job ADD COLUMN IF NOT EXISTS run_again BOOLEAN DEFAULT FALSE NOT NULL",
        """
        CREATE TABLE IF NOT EXISTS app_user (
          username VARCHAR(64) PRIMARY KEY, password_hash VARCHAR(100) NOT NULL, role VARCHAR(16) NOT NULL,
          created_at TIMESTAMP NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS stage_time (
          series_uid VARCHAR(64) NOT NULL, stage VARCHAR(16) NOT NULL, millis BIGINT NOT NULL, finished_at TIMESTAMP NOT NULL,
          PRIMARY KEY (series_uid, stage))"""
    };

    /**
     * Does nothing but make sure the tables exist: a bean that injects Schema gets a lazy client proxy,
     * so it calls this in its constructor and the DDL has run before its first query (a timer route may
     * fire before Quarkus' start-up event creates this bean).
     */
    public void ready() {
        // the constructor did the work
    }

    @Inject
    public Schema(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String ddl : DDL) {
                s.execute(ddl);
            }
            // a job that was running when the node stopped is run again
            s.executeUpdate("UPDATE job SET state = 'PENDING' WHERE state = 'RUNNING'");
        }
    }
}
