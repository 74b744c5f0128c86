package org.srinode.db;

import io.quarkus.flyway.FlywayDataSource;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Optional;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

/**
 * The node's state database (issue 14): the embedded H2 file under the data folder by default, or a PostgreSQL
 * server that several nodes share when {@code SRI_DB_URL} (with {@code SRI_DB_USER}, {@code SRI_DB_PASSWORD}) names
 * one. Its schema is versioned: the Flyway migrations under {@code src/main/resources/db/migration} run at start-up,
 * on either database; an H2 database an older node created without Flyway is baselined at version 0 first, while a
 * PostgreSQL database that holds other tables is refused (the node stops with the reason) rather than altered.
 *
 * <p>Both datasources are configured at build time (Quarkus fixes a datasource's kind then); {@code org.srinode.NodeMain}
 * deactivates the H2 one when a PostgreSQL URL is given, and the named datasource {@code postgresql} is inactive
 * without a URL.
 */
@ApplicationScoped
@Startup
public class Database {
    private static final Logger LOG = Logger.getLogger(Database.class);

    /** Name of the Quarkus datasource used when {@code sri.db.url} is set. */
    public static final String POSTGRESQL = "postgresql";

    private final DataSource dataSource;
    private final String describe;

    /**
     * Chooses the datasource and migrates its schema.
     *
     * @param url        {@code sri.db.url} ({@code SRI_DB_URL}), a {@code jdbc:postgresql:} URL; empty: the embedded H2
     * @throws IllegalStateException when a migration fails (the node does not start on a schema it does not know)
     */
    @Inject
    public Database(
            @ConfigProperty(name = "sri.db.url") Optional<String> url,
            @Any Instance<DataSource> dataSources,
            @Any Instance<Flyway> flyways) {
        boolean shared = url.filter(u -> !u.isBlank()).isPresent();
        if (shared && !url.get().startsWith("jdbc:postgresql:")) {
            throw new IllegalStateException(
                    "SRI_DB_URL must be a PostgreSQL JDBC URL (jdbc:postgresql://host:5432/database), not "
                            + url.get());
        }
        this.dataSource = shared
                ? dataSources
                        .select(new io.quarkus.agroal.DataSource.DataSourceLiteral(POSTGRESQL))
                        .get()
                : dataSources
                        .select(jakarta.enterprise.inject.Default.Literal.INSTANCE)
                        .get();
        Flyway flyway = shared
                ? flyways.select(FlywayDataSource.FlywayDataSourceLiteral.of(POSTGRESQL))
                        .get()
                : flyways.select(jakarta.enterprise.inject.Default.Literal.INSTANCE)
                        .get();
        this.describe = shared ? "PostgreSQL " + url.get().replaceAll("\\?.*", "") : "embedded H2";
        migrate(flyway, describe);
    }

    /**
     * A database the caller made (tests: an in-memory H2 or a PostgreSQL the test started), migrated with the same
     * scripts through Flyway's own class-path scanning.
     */
    public Database(DataSource dataSource) {
        this.dataSource = dataSource;
        this.describe = "given";
        boolean h2;
        try (java.sql.Connection c = dataSource.getConnection()) {
            h2 = "H2".equals(c.getMetaData().getDatabaseProductName());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("state database: " + e.getMessage(), e);
        }
        migrate(configure(h2).dataSource(dataSource).load(), describe);
    }

    /**
     * The migration settings shared by both constructors (application.properties repeats them for Quarkus' Flyway beans):
     * only an H2 database is baselined (one an older node made before Flyway); a PostgreSQL database that holds tables but
     * no schema history of the node's is refused, never altered.
     */
    private static org.flywaydb.core.api.configuration.FluentConfiguration configure(boolean h2) {
        return Flyway.configure()
                .locations("classpath:db/migration")
                .baselineOnMigrate(h2)
                .baselineVersion("0");
    }

    private static void migrate(Flyway flyway, String describe) {
        try {
            MigrateResult r = flyway.migrate();
            if (r.migrationsExecuted > 0) {
                LOG.infof(
                        "state database (%s): schema migrated from version %s to %s (%d migration(s))",
                        describe,
                        r.initialSchemaVersion == null ? "none" : r.initialSchemaVersion,
                        r.targetSchemaVersion,
                        r.migrationsExecuted);
            }
        } catch (RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().contains("Unable to obtain connection")) {
                throw new IllegalStateException(
                        "state database (" + describe + "): cannot connect (is it running and reachable, are "
                                + "SRI_DB_URL, SRI_DB_USER and SRI_DB_PASSWORD right?): " + e.getMessage(),
                        e);
            }
            throw new IllegalStateException(
                    "state database (" + describe + "): schema migration failed: " + e.getMessage()
                            + (e.getMessage() != null && e.getMessage().contains("non-empty schema")
                                    ? " (give the node a database of its own)"
                                    : ""),
                    e);
        }
    }

    /** The node's datasource, its schema migrated. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Which database this is, for the log and the API ("embedded H2", "PostgreSQL jdbc:postgresql://db:5432/sri"). */
    public String describe() {
        return describe;
    }
}
