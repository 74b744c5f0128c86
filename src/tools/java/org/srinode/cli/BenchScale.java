package org.srinode.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.srinode.volume.Nifti;
import org.srinode.volume.Volume;

/**
 * {@code bench scale} (issue 14; run by bench/scale.sh with a PostgreSQL up): enhancement throughput with 1 and 2
 * enhance-only workers on the same queue. For each worker count the database is emptied, one node with the roles
 * ingest, assess, forward and web receives {@code --series} series (256x256x24 at 0.5 T, which the rules enhance) and
 * queues them; then the workers start, each pinned to one core ({@code taskset -c k}, one libtorch thread), and drain the
 * queue. From the database: each enhancement's start (its finish minus its ENHANCE stage time) and finish. Prints series
 * per minute (series over the time from the first start to the last finish), the ratio of the two counts, the wait of
 * each series from the first start to its own, and how many series each worker did.
 *
 * <p>About 320 lines: a tool, not the node; the nodes it starts, the series it sends and the figures it reads back are
 * one run.
 */
final class BenchScale {
    private BenchScale() {}

    static int run(String[] args) throws Exception {
        Map<String, String> o = Main.pairs(
                "bench-scale", args, "--db-url", "--db-user", "--series", "--jar", "--output", "--volume", "--workers");
        if (o == null) {
            return 2;
        }
        String dbUrl = o.get("--db-url");
        String dbUser = o.getOrDefault("--db-user", "postgres");
        if (dbUrl == null) {
            System.err.println(
                    "bench scale needs a PostgreSQL database (--db-url jdbc:postgresql://...): bench/scale.sh starts one");
            return 2;
        }
        Integer series = Main.positive("--series", o.getOrDefault("--series", "6"));
        if (series == null) {
            return 2;
        }
        String jar = o.getOrDefault("--jar", "target/quarkus-app/quarkus-run.jar");
        Path work = Path.of(o.getOrDefault("--output", "target/bench-scale")).toAbsolutePath();
        Volume v = Nifti.read(Path.of(o.getOrDefault("--volume", "/usr/share/mricron/templates/ch2.nii.gz")));
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> counts = new ArrayList<>();
        for (String w : o.getOrDefault("--workers", "1,2").split(",")) {
            Integer n = Main.positive("--workers", w);
            if (n == null) {
                return 2;
            }
            counts.add(Math.min(cores, n));
        }
        Map<Integer, double[]> results = new LinkedHashMap<>();
        for (int workers : counts) {
            results.put(workers, measure(workers, series, jar, dbUrl, dbUser, work.resolve("workers-" + workers), v));
        }
        System.out.println(
                "| enhance workers (1 core each) | series | first start to last finish (s) | series per minute "
                        + "| wait from first start: median / p90 / max (s) | series per worker |");
        System.out.println("|---|---|---|---|---|---|");
        for (Map.Entry<Integer, double[]> e : results.entrySet()) {
            double[] r = e.getValue();
            System.out.printf(
                    Locale.ROOT,
                    "| %d | %d | %.1f | %.2f | %.1f / %.1f / %.1f | %s |%n",
                    e.getKey(),
                    series,
                    r[0],
                    series * 60 / r[0],
                    r[1],
                    r[2],
                    r[3],
                    PER_WORKER.get(e.getKey()));
        }
        if (results.size() == 2) {
            List<double[]> rs = new ArrayList<>(results.values());
            System.out.printf(
                    Locale.ROOT,
                    "%nthroughput ratio %d workers / %d worker: %.2f%n",
                    counts.get(1),
                    counts.get(0),
                    rs.get(0)[0] / rs.get(1)[0]);
        }
        System.out.println("machine: " + cores + " cores; series 256x256x24 at x2; one PostgreSQL, one ingest node; "
                + dbUrl.replaceAll("\\?.*", ""));
        return 0;
    }

    /** Series per worker ({@code claimed_by}) of each configuration. */
    private static final Map<Integer, String> PER_WORKER = new HashMap<>();

    /** Runs one configuration; returns {makespan s, wait median, wait p90, wait max}. */
    private static double[] measure(
            int workers, int series, String jar, String dbUrl, String dbUser, Path dir, Volume v) throws Exception {
        if (Files.exists(dir)) {
            // a fresh folder: an earlier run's spool would be recovered into the emptied database and its series sent
            // again
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        try (Connection c = DriverManager.getConnection(
                        dbUrl, dbUser, System.getenv().getOrDefault("SRI_DB_PASSWORD", ""));
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
        Path shared = dir.resolve("shared");
        String password = "bench-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
        Map<String, String> common = new HashMap<>(Map.of(
                "SRI_DB_URL",
                dbUrl,
                "SRI_DB_USER",
                dbUser,
                "SRI_SPOOL_DIRECTORY",
                shared.resolve("spool").toString(),
                "SRI_DERIVED_DIRECTORY",
                shared.resolve("derived").toString(),
                "SRI_HTTP_INSECURE",
                "true",
                "SRI_ADMIN_PASSWORD",
                password,
                "SRI_FHIR_ENABLED",
                "false",
                "SRI_SERIES_IDLE_TIMEOUT",
                "2s",
                "SRI_DICOM_BIND_ADDRESS",
                "127.0.0.1"));
        List<Process> processes = new ArrayList<>();
        try {
            int http = freePort();
            int dicom = freePort();
            Map<String, String> ingest = new HashMap<>(common);
            ingest.putAll(Map.of(
                    "SRI_DATA_DIR",
                    dir.resolve("ingest").toString(),
                    "SRI_NODE_ROLES",
                    "ingest,assess,forward,web",
                    "SRI_NODE_ID",
                    "ingest",
                    "QUARKUS_HTTP_PORT",
                    Integer.toString(http),
                    "SRI_DICOM_PORT",
                    Integer.toString(dicom)));
            processes.add(start(List.of("java", "-Xmx1g", "-jar", jar), ingest, dir.resolve("ingest.log")));
            String node = "http://127.0.0.1:" + http;
            awaitReady(node, processes.get(0));
            List<String> uids = new ArrayList<>();
            for (int i = 0; i < series; i++) {
                Path folder = dir.resolve("series-" + i);
                uids.add(BenchE2e.write(v, folder, workers * 1000 + i));
                List<String> cmd =
                        new ArrayList<>(List.of("storescu", "-aec", "SRI_NODE", "127.0.0.1", Integer.toString(dicom)));
                try (var files = Files.list(folder)) {
                    files.sorted().forEach(f -> cmd.add(f.toString()));
                }
                Process p = new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("storescu failed for series " + i);
                }
            }
            System.err.printf(
                    Locale.ROOT,
                    "[bench scale] %d worker(s): %d series sent, waiting until all are queued for enhancement%n",
                    workers,
                    series);
            Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
            while (queued(dbUrl, dbUser) < series) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the series were not queued for enhancement within 5 minutes; see "
                            + dir.resolve("ingest.log"));
                }
                Thread.sleep(500);
            }
            for (int k = 0; k < workers; k++) {
                Map<String, String> env = new HashMap<>(common);
                env.putAll(Map.of(
                        "SRI_DATA_DIR",
                        dir.resolve("worker-" + k).toString(),
                        "SRI_NODE_ROLES",
                        "enhance",
                        "SRI_NODE_ID",
                        "worker-" + k,
                        "QUARKUS_HTTP_PORT",
                        Integer.toString(freePort()),
                        "SRI_DICOM_PORT",
                        Integer.toString(freePort()),
                        "OMP_NUM_THREADS",
                        "1",
                        "SRI_ENHANCE_WORKERS",
                        "1"));
                processes.add(start(
                        List.of(
                                "taskset",
                                "-c",
                                Integer.toString(k),
                                "java",
                                "-Xmx1g",
                                "-XX:ActiveProcessorCount=1",
                                "-jar",
                                jar),
                        env,
                        dir.resolve("worker-" + k + ".log")));
            }
            deadline = Instant.now().plus(Duration.ofMinutes(30));
            while (done(dbUrl, dbUser) < series) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the enhancements did not finish within 30 minutes; see " + dir);
                }
                for (Process p : processes) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("a node stopped; see the logs in " + dir);
                    }
                }
                Thread.sleep(1000);
            }
            return timings(dbUrl, dbUser, workers, series);
        } finally {
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private static double[] timings(String dbUrl, String dbUser, int workers, int series) throws Exception {
        List<double[]> runs = new ArrayList<>(); // start, finish in epoch seconds
        Map<String, Integer> by = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(
                        dbUrl, dbUser, System.getenv().getOrDefault("SRI_DB_PASSWORD", ""));
                PreparedStatement ps =
                        c.prepareStatement("SELECT t.millis, t.finished_at, j.claimed_by FROM stage_time t JOIN job j "
                                + "ON j.series_uid = t.series_uid AND j.kind = 'ENHANCE' WHERE t.stage = 'ENHANCE'");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                double finish = rs.getTimestamp(2, org.srinode.db.Sql.utc()).getTime() / 1e3;
                runs.add(new double[] {finish - rs.getLong(1) / 1e3, finish});
                by.merge(rs.getString(3), 1, Integer::sum);
            }
        }
        if (runs.size() != series) {
            throw new IllegalStateException(series + " series sent but " + runs.size()
                    + " enhanced (a DONE job without an enhancement: see the logs)");
        }
        PER_WORKER.put(workers, by.toString());
        double first = runs.stream().mapToDouble(r -> r[0]).min().orElseThrow();
        double last = runs.stream().mapToDouble(r -> r[1]).max().orElseThrow();
        double[] waits = runs.stream().mapToDouble(r -> r[0] - first).sorted().toArray();
        return new double[] {
            last - first,
            waits[waits.length / 2],
            waits[(int) Math.floor(0.9 * (waits.length - 1))],
            waits[waits.length - 1]
        };
    }

    private static int queued(String dbUrl, String dbUser) throws Exception {
        return count(dbUrl, dbUser, "SELECT COUNT(*) FROM job WHERE kind = 'ENHANCE'");
    }

    private static int done(String dbUrl, String dbUser) throws Exception {
        // the stage time is written after the job is DONE, in its own transaction: count what timings() reads
        return count(dbUrl, dbUser, "SELECT COUNT(*) FROM stage_time WHERE stage = 'ENHANCE'");
    }

    private static int count(String dbUrl, String dbUser, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        dbUrl, dbUser, System.getenv().getOrDefault("SRI_DB_PASSWORD", ""));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        } catch (java.sql.SQLException e) {
            return 0; // the tables are made by the first node's migration
        }
    }

    private static Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private static void awaitReady(String node, Process p) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(deadline) && p.isAlive()) {
            try {
                java.net.http.HttpResponse<Void> r = java.net.http.HttpClient.newHttpClient()
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(node + "/q/health/ready"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the ingest node did not become ready at " + node);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
