package org.srinode.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real Orthanc (Debian package) on free loopback ports, storage in a temporary folder: the PACS in tests. */
final class Orthanc implements AutoCloseable {
    final int dicomPort;
    final int httpPort;
    final Path dir;
    private Process process;
    private String tls = "";

    Orthanc(Path dir) {
        this(dir, Ports.free(), Ports.free());
    }

    Orthanc(Path dir, int dicomPort, int httpPort) {
        this.dir = dir;
        this.dicomPort = dicomPort;
        this.httpPort = httpPort;
    }

    /**
     * DICOM TLS on the DICOM port (Orthanc 1.9+, through DCMTK): the server certificate and key, the certificates
     * trusted to sign clients', and whether a client must present one.
     */
    Orthanc withDicomTls(Path certificate, Path key, Path trusted, boolean clientCertificateRequired) {
        tls = """
                , "DicomTlsEnabled": true, "DicomTlsCertificate": "%s", "DicomTlsPrivateKey": "%s",
                 "DicomTlsTrustedCertificates": "%s", "DicomTlsRemoteCertificateRequired": %s""".formatted(certificate, key, trusted, clientCertificateRequired);
        return this;
    }

    Orthanc start() throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("db"));
        Path config = dir.resolve("orthanc.json");
        Files.writeString(config, """
                {"Name": "sri-test", "StorageDirectory": "%s", "IndexDirectory": "%s", "DicomAet": "ORTHANC",
                 "DicomPort": %d, "HttpPort": %d, "RemoteAccessAllowed": false, "AuthenticationEnabled": false,
                 "Plugins": [], "OverwriteInstances": true, "DicomCheckCalledAet": false, "HttpTimeout": 30,
                 "StableAge": 1%s}
                """.formatted(dir.resolve("db"), dir.resolve("db"), dicomPort, httpPort, tls));
        process = new ProcessBuilder("Orthanc", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("orthanc.log").toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Http.status(url("/system")) != 200) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("Orthanc did not start; see " + dir.resolve("orthanc.log"));
            }
            Thread.sleep(100);
        }
        return this;
    }

    String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    int instanceCount() throws IOException, InterruptedException {
        return Http.json(url("/statistics")).get("CountInstances").asInt();
    }

    List<String> instances() throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        Http.json(url("/instances")).forEach(n -> ids.add(n.asText()));
        return ids;
    }

    /** Orthanc instance id of a SOP Instance UID, or null (Orthanc's /tools/lookup). */
    String findInstance(String sopInstanceUid) throws IOException, InterruptedException {
        for (JsonNode n : Http.postJson(url("/tools/lookup"), sopInstanceUid)) {
            if ("Instance".equals(n.path("Type").asText())) {
                return n.path("ID").asText();
            }
        }
        return null;
    }

    /** Orthanc ids of the instances of a series. */
    List<String> instancesOfSeries(String seriesUid) throws IOException, InterruptedException {
        for (JsonNode n : Http.postJson(url("/tools/lookup"), seriesUid)) {
            if ("Series".equals(n.path("Type").asText())) {
                List<String> ids = new java.util.ArrayList<>();
                Http.json(url("/series/" + n.path("ID").asText()))
                        .path("Instances")
                        .forEach(i -> ids.add(i.asText()));
                return ids;
            }
        }
        return List.of();
    }

    /** Instances Orthanc holds of a series (0 when it does not know the series). */
    int seriesInstances(String seriesUid) throws IOException, InterruptedException {
        return instancesOfSeries(seriesUid).size();
    }

    byte[] file(String instanceId) throws IOException, InterruptedException {
        return Http.bytes(url("/instances/" + instanceId + "/file"));
    }

    String transferSyntax(String instanceId) throws IOException, InterruptedException {
        return Http.json(url("/instances/" + instanceId + "/metadata?expand"))
                .path("TransferSyntax")
                .asText();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
