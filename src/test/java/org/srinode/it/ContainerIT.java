package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The container image (issue 14), gated: {@code ./sri-node test-container} (-Dsri.container=true). Builds
 * {@code deploy/Containerfile} with Debian's podman (runtime runc, host network; a local debian:bookworm-slim made with
 * mmdebstrap when there is none, no registry being reachable), runs it next to Orthanc on the host, sends a series to it
 * with storescu and finds it whole in Orthanc; the node runs as a non-root user, keeps its data in the volume, and the
 * image's health check reports healthy. The same for deploy/compose.yaml (the node on PostgreSQL, the example PACS).
 */
class ContainerIT {
    private static final String IMAGE = "localhost/sri-node:test";

    @Test
    void theImageRunsTheNodeAsANonRootUserAndDeliversASeriesToOrthanc() throws Exception {
        Assumptions.assumeTrue(
                Boolean.getBoolean("sri.container"), "the container test runs with ./sri-node test-container");
        Path tmp = WorkDir.fresh(getClass());
        Files.createDirectories(tmp);
        baseImage(tmp);
        Proc build = podman(
                tmp,
                "build",
                "--pull=never",
                "--network",
                "host",
                "--format",
                "docker",
                "-f",
                "deploy/Containerfile",
                "-t",
                IMAGE,
                ".");
        assertThat(build.exitCode()).as(build.output()).isZero();
        int dicom = Ports.free();
        int http = Ports.free();
        String name = "sri-node-it-" + ProcessHandle.current().pid();
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc")).start()) {
            Proc run = podman(
                    tmp,
                    "run",
                    "-d",
                    "--name",
                    name,
                    "--network",
                    "host",
                    "-v",
                    name + ":/var/lib/sri-node",
                    "-e",
                    "SRI_DICOM_PORT=" + dicom,
                    "-e",
                    "QUARKUS_HTTP_PORT=" + http,
                    "-e",
                    "SRI_HTTPS_PORT=" + Ports.free(),
                    "-e",
                    "SRI_DICOM_BIND_ADDRESS=127.0.0.1",
                    "-e",
                    "SRI_HTTP_INSECURE=true",
                    "-e",
                    "SRI_ADMIN_PASSWORD=" + Node.ADMIN_PASSWORD,
                    "-e",
                    "SRI_SERIES_IDLE_TIMEOUT=3s",
                    "-e",
                    "SRI_SPOOL_RESERVE_MB=64",
                    "-e",
                    "SRI_ENHANCE_ENABLED=false",
                    "-e",
                    "SRI_FORWARD_URI=dimse:scu?host=127.0.0.1&port=" + orthanc.dicomPort
                            + "&calledAeTitle=ORTHANC&aeTitle=SRI_NODE",
                    IMAGE);
            assertThat(run.exitCode()).as(run.output()).isZero();
            try {
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> Http.status("http://127.0.0.1:" + http + "/q/health/ready") == 200);
                Proc uid = podman(tmp, "exec", name, "id", "-u");
                assertThat(uid.output().trim()).as("the node's user").isNotEqualTo("0");
                Proc store = new Dcmtk(tmp).store("MODALITY", dicom, SharedData.twentyInstanceSeries());
                assertThat(store.exitCode()).as(store.output()).isZero();
                await().atMost(Duration.ofSeconds(90)).until(() -> orthanc.instanceCount() == 20);
                Proc spool =
                        podman(tmp, "exec", name, "sh", "-c", "find /var/lib/sri-node/spool -name '*.dcm' | wc -l");
                assertThat(spool.output().trim())
                        .as("the data is in the volume")
                        .isEqualTo("20");
                Proc health = podman(tmp, "healthcheck", "run", name);
                assertThat(health.exitCode())
                        .as("the image's health check: " + health.output())
                        .isZero();
            } finally {
                Proc logs = podman(tmp, "logs", name);
                Files.writeString(tmp.resolve("container.log"), logs.output());
                podman(tmp, "rm", "-f", name);
                podman(tmp, "volume", "rm", "-f", name);
            }
        }
    }

    /**
     * deploy/compose.yaml with podman-compose: PostgreSQL and Orthanc built from Debian, the node on PostgreSQL in its own
     * network (service names resolved by podman's DNS); a series sent to the published DICOM port reaches the example PACS,
     * and the node's log says it runs on PostgreSQL. {@code down -v} removes everything.
     */
    @Test
    void composeRunsTheNodeOnPostgresAndASeriesReachesTheExamplePacs() throws Exception {
        Assumptions.assumeTrue(
                Boolean.getBoolean("sri.container"), "the container test runs with ./sri-node test-container");
        Path tmp = WorkDir.fresh(getClass()).resolve("compose");
        Files.createDirectories(tmp);
        baseImage(tmp);
        int dicom = Ports.free();
        int https = Ports.free();
        int pacs = Ports.free();
        java.util.Map<String, String> env = java.util.Map.of(
                "SRI_DB_PASSWORD",
                "compose-db-password-1",
                "SRI_ADMIN_PASSWORD",
                Node.ADMIN_PASSWORD,
                "SRI_COMPOSE_DICOM_PORT",
                Integer.toString(dicom),
                "SRI_COMPOSE_HTTPS_PORT",
                Integer.toString(https),
                "SRI_COMPOSE_PACS_HTTP_PORT",
                Integer.toString(pacs));
        String project = "sri-it-" + ProcessHandle.current().pid();
        Proc up = compose(tmp, env, "-p", project, "-f", "deploy/compose.yaml", "up", "-d", "--build");
        assertThat(up.exitCode()).as(up.output()).isZero();
        try {
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() ->
                            Http.statusTrustingAnyCertificate("https://127.0.0.1:" + https + "/q/health/ready") == 200);
            Proc store = new Dcmtk(tmp).store("MODALITY", dicom, SharedData.twentyInstanceSeries());
            assertThat(store.exitCode()).as(store.output()).isZero();
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() ->
                            Http.json("http://127.0.0.1:" + pacs + "/instances").size() == 20);
            Proc logs = compose(tmp, env, "-p", project, "-f", "deploy/compose.yaml", "logs", "node");
            assertThat(logs.output()).contains("state database (PostgreSQL jdbc:postgresql://db:5432/sri)");
        } finally {
            Proc logs = compose(tmp, env, "-p", project, "-f", "deploy/compose.yaml", "logs");
            Files.writeString(tmp.resolve("compose.log"), logs.output());
            compose(tmp, env, "-p", project, "-f", "deploy/compose.yaml", "down", "-v");
            podman(tmp, "rmi", "-f", project + "_node", project + "_db", project + "_pacs"); // 1.9 GB a run otherwise
        }
    }

    private static Proc compose(Path tmp, java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("podman-compose"));
        cmd.addAll(List.of(args));
        Path log = tmp.resolve("compose-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(900, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", cmd));
        }
        return new Proc(p.exitValue(), Files.readString(log));
    }

    /** debian:bookworm-slim for {@code FROM}: made locally with mmdebstrap when podman has none (no registry here). */
    private static void baseImage(Path tmp) throws Exception {
        if (podman(tmp, "image", "exists", "docker.io/library/debian:bookworm-slim")
                        .exitCode()
                == 0) {
            return;
        }
        Path rootfs = tmp.resolve("rootfs.tar");
        Proc strap = Proc.run(
                tmp.resolve("mmdebstrap.log"),
                900,
                "mmdebstrap",
                "--variant=minbase",
                "--mode=root",
                "bookworm",
                rootfs.toString());
        assertThat(strap.exitCode()).as(strap.output()).isZero();
        Proc imported = podman(tmp, "import", rootfs.toString(), "docker.io/library/debian:bookworm-slim");
        assertThat(imported.exitCode()).as(imported.output()).isZero();
        Files.delete(rootfs);
    }

    private static Proc podman(Path tmp, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "runc"));
        cmd.addAll(List.of(args));
        return Proc.run(tmp.resolve("podman-" + System.nanoTime() + ".log"), 900, cmd.toArray(String[]::new));
    }
}
