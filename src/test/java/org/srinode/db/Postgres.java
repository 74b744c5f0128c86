package org.srinode.db;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A throw-away PostgreSQL 15 server for the tests (Debian {@code postgresql}, installed by {@code ./sri-node test}): a new
 * cluster in a folder of the test's, on a free loopback port, trust authentication for user {@code postgres}, one database
 * {@code sri}; {@link #close} stops it at once. As root (CI) the server runs as the {@code postgres} account, which
 * PostgreSQL requires.
 */
public final class Postgres implements AutoCloseable {
    /** Where Debian installs the server's programs. */
    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private final Path dir;
    private final int port;

    private Postgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Skips the calling test (reported by {@code tools/skipped_tests.py}) when the server is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(
                Files.isExecutable(BIN.resolve("initdb")),
                "PostgreSQL 15 is not installed (" + BIN + "): apt-get install postgresql, or run ./sri-node test");
    }

    /**
     * Creates and starts a server in a new folder under the system's temporary folder (which the {@code postgres} account
     * can reach; its cluster in {@code pgdata}, its log in {@code server.log}); {@link #close} removes it.
     *
     * @throws IllegalStateException with the server's log when it does not start
     */
    public static Postgres start() throws IOException, InterruptedException {
        assumeInstalled();
        Path dir = Files.createTempDirectory("sri-pg");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            run(List.of("chown", "postgres", dir.toString()));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = dir.resolve("pgdata");
        run(as(
                root,
                BIN.resolve("initdb").toString(),
                "-D",
                data.toString(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync"));
        List<String> start = as(
                root,
                BIN.resolve("pg_ctl").toString(),
                "-D",
                data.toString(),
                "-w",
                "-t",
                "60",
                "-l",
                dir.resolve("server.log").toString(),
                "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
                "start");
        try {
            run(start);
        } catch (IllegalStateException e) {
            String log = Files.exists(dir.resolve("server.log")) ? Files.readString(dir.resolve("server.log")) : "";
            throw new IllegalStateException(e.getMessage() + "\n" + log, e);
        }
        Postgres pg = new Postgres(dir, port);
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE sri");
        } catch (java.sql.SQLException e) {
            pg.close();
            throw new IllegalStateException("cannot create the test database: " + e.getMessage(), e);
        }
        return pg;
    }

    private static List<String> as(boolean root, String... command) {
        List<String> c = new ArrayList<>();
        if (root) {
            c.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        c.addAll(List.of(command));
        return c;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    /** The JDBC URL of database {@code sri}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/sri";
    }

    /** User name with trust authentication. */
    public String user() {
        return "postgres";
    }

    /** A plain (non-pooled) datasource on database {@code sri}. */
    public DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl());
        ds.setUser(user());
        return ds;
    }

    private static Postgres shared;

    /**
     * One server for all the unit tests of this JVM that run on PostgreSQL, started on first use and stopped when the JVM
     * exits; each test takes {@link #emptyDatabase()}. Skips the calling test when PostgreSQL is not installed.
     */
    public static synchronized Postgres shared() throws IOException, InterruptedException {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** Database {@code sri} emptied for the next test. */
    public DataSource emptyDatabase() throws java.sql.SQLException {
        reset();
        return dataSource();
    }

    /** Empties database {@code sri} (drops and creates its public schema), for the next test. */
    public void reset() throws java.sql.SQLException {
        try (Connection c = dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
    }

    /** Stops the server at once (immediate shutdown: nothing of a test database needs to survive). */
    @Override
    public void close() {
        try {
            run(as(
                    "root".equals(System.getProperty("user.name")),
                    BIN.resolve("pg_ctl").toString(),
                    "-D",
                    dir.resolve("pgdata").toString(),
                    "-m",
                    "immediate",
                    "stop"));
        } catch (IOException | InterruptedException | IllegalStateException e) {
            System.err.println("could not stop the test PostgreSQL in " + dir + ": " + e.getMessage());
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a folder under the temporary folder: left behind at worst
        }
    }
}
