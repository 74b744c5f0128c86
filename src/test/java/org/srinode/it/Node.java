package org.srinode.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged node (target/quarkus-app) run as a separate process, configured by environment variables. */
final class Node implements AutoCloseable {
    final int dicomPort;
    final int httpPort;
    final Path dataDir;
    final Map<String, String> env = new HashMap<>();
    private Process process;
    private int starts;

    Node(Path dataDir) {
        this.dataDir = dataDir;
        this.dicomPort = Ports.free();
        this.httpPort = Ports.free();
        env.put("SRI_DATA_DIR", dataDir.toString());
        env.put("SRI_DICOM_PORT", Integer.toString(dicomPort));
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        env.put("SRI_DICOM_BIND_ADDRESS", "127.0.0.1");
        env.put("SRI_SERIES_IDLE_TIMEOUT", "3s");
        env.put("SRI_SPOOL_RESERVE_MB", "64");
        env.put("SRI_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("SRI_HTTP_INSECURE", "true"); // plain HTTP on loopback; HttpsIT tests the secure default
    }

    /** The HTTPS port when {@link #secure()} was called, else -1. */
    int httpsPort = -1;

    /** The node's default: HTTPS only (no SRI_HTTP_INSECURE), on a port of its own. */
    Node secure() {
        httpsPort = Ports.free();
        env.remove("SRI_HTTP_INSECURE");
        env.put("SRI_HTTPS_PORT", Integer.toString(httpsPort));
        return this;
    }

    /** The password of the node's first user 'admin' in the tests ({@link Http} signs in with it). */
    static final String ADMIN_PASSWORD = "it-admin-password-0001";

    Node with(String key, String value) {
        env.put(key, value);
        return this;
    }

    Node without(String key) {
        env.remove(key);
        return this;
    }

    Node forwardingTo(Orthanc orthanc) {
        return with(
                "SRI_FORWARD_URI",
                "dimse:scu?host=127.0.0.1&port=" + orthanc.dicomPort + "&calledAeTitle=ORTHANC&aeTitle=SRI_NODE");
    }

    Node start() throws IOException, InterruptedException {
        String jar = System.getProperty("sri.jar", "target/quarkus-app/quarkus-run.jar");
        Files.createDirectories(dataDir);
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx1g", "-jar", jar)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dataDir.resolve("node-" + (++starts) + ".log").toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while ((httpsPort > 0
                        ? Http.statusTrustingAnyCertificate(httpsUrl("/q/health/ready"))
                        : Http.status(url("/q/health/ready")))
                != 200) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                // a failed start leaves no process behind: the caller never got a Node to close
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("node did not become ready; see " + dataDir);
            }
            Thread.sleep(100);
        }
        return this;
    }

    String httpsUrl(String path) {
        return "https://127.0.0.1:" + httpsPort + path;
    }

    String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    /** The node's view of series {@code uid} ({@code GET /api/series/{uid}}), a missing node until it is known. */
    JsonNode series(String uid) throws InterruptedException {
        return Http.jsonOrMissing(url("/api/series/" + uid));
    }

    /** kill -9: no shutdown hook runs. */
    void killHard() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String log() throws IOException {
        return Files.readString(dataDir.resolve("node-" + starts + ".log"));
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
