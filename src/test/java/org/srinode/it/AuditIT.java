package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, audit trail: the node's DICOM audit messages (PS3.15 A.5) arrive at a real syslog daemon
 * (Debian's rsyslog, listening on UDP) and in the node's own audit file: application start and stop,
 * instances received (with the study) and sent (with the patient), logins that succeed and fail, a read of
 * patient data through the API, a refused association, a user change. The application log never holds
 * the patient ID.
 */
class AuditIT {
    private static final String STUDY = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322";

    private static List<String> messages(Path file) throws Exception {
        return Files.exists(file)
                ? Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.contains("<AuditMessage>"))
                        .toList()
                : List.of();
    }

    private static boolean has(List<String> lines, String... parts) {
        return lines.stream().anyMatch(l -> {
            for (String p : parts) {
                if (!l.contains(p)) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Debian's rsyslogd in the foreground, running: the given global, module and input lines, then every message to
     * {@code received} as "facility app-name message" (its own output in rsyslogd.out).
     */
    private record Rsyslog(Process process, Path received) implements AutoCloseable {
        static Rsyslog start(Path tmp, String... lines) throws Exception {
            Path received = tmp.resolve("rsyslog-received.log");
            Path conf = tmp.resolve("rsyslog.conf");
            List<String> all = new ArrayList<>(List.of(lines));
            all.add("template(name=\"atna\" type=\"string\" string=\"%syslogfacility-text% %app-name% %msg%\\n\")");
            all.add("*.* action(type=\"omfile\" file=\"" + received + "\" template=\"atna\")");
            all.add("");
            Files.writeString(conf, String.join("\n", all));
            Process process = new ProcessBuilder(
                            "rsyslogd",
                            "-n",
                            "-f",
                            conf.toString(),
                            "-i",
                            tmp.resolve("rsyslog.pid").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("rsyslogd.out").toFile())
                    .start();
            // rsyslogd writes its pid file once its inputs are open, or exits on a configuration it cannot use
            Path pid = tmp.resolve("rsyslog.pid");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pid) || !process.isAlive());
            assertThat(process.isAlive())
                    .as("rsyslogd (TLS needs Debian's rsyslog-gnutls): "
                            + (Files.exists(tmp.resolve("rsyslogd.out"))
                                    ? Files.readString(tmp.resolve("rsyslogd.out"))
                                    : ""))
                    .isTrue();
            return new Rsyslog(process, received);
        }

        /** The audit messages received so far. */
        List<String> messages() throws Exception {
            return AuditIT.messages(received);
        }

        /** The audit messages received, once the node's stop message (110121) has arrived. */
        List<String> untilStop() throws Exception {
            await().atMost(Duration.ofSeconds(10)).until(() -> has(messages(), "110121"));
            return messages();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A node without enhancement and FHIR whose audit trail goes to syslog at 127.0.0.1:{@code port}. */
    private static Node auditedNode(Path data, int port) {
        return new Node(data)
                .with("SRI_ENHANCE_ENABLED", "false")
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_AUDIT_SYSLOG", "127.0.0.1:" + port);
    }

    /** RFC 5424 from sri-node, facility 13 (log audit, "audit" in rsyslog); every message well-formed XML. */
    private static void assertSyslogFraming(List<String> syslog) throws Exception {
        assertThat(syslog).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("audit sri-node "));
        for (String l : syslog) {
            String xml = l.substring(l.indexOf("<AuditMessage>"));
            DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void auditMessagesReachRsyslogAndTheLocalFile() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        int port = Ports.freeUdp();
        Path data = tmp.resolve("node");
        List<String> syslog;
        try (Rsyslog rsyslog = Rsyslog.start(
                tmp,
                "global(workDirectory=\"" + tmp + "\")",
                "module(load=\"imudp\")",
                "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" + port + "\")")) {
            try (Node node = auditedNode(data, port)
                    .with("SRI_DICOM_ALLOWED_CALLING_AE_TITLES", "MODALITY")
                    .start()) {
                Dcmtk dcmtk = new Dcmtk(tmp);
                Proc store = dcmtk.store(
                        "MODALITY", node.dicomPort, SharedData.dicom("debian-python3-pydicom-test_files/CT_small.dcm"));
                assertThat(store.exitCode()).as(store.output()).isZero();
                assertThat(dcmtk.echo("INTRUDER", node.dicomPort).exitCode()).isNotZero();
                assertThat(Http.statusAs(node.url("/api/series"), Http.basic("admin", "not-the-password")))
                        .isEqualTo(401);
                assertThat(Http.status(node.url("/api/series"))).isEqualTo(200);
                assertThat(Http.sendAs(
                                        "PUT",
                                        node.url("/api/users/reader"),
                                        "{\"role\":\"viewer\",\"password\":\"a-long-enough-password\"}",
                                        Http.basic("admin", Node.ADMIN_PASSWORD))
                                .statusCode())
                        .isEqualTo(201);
                // the series completes (idle timeout) and is delivered to the outbox folder
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> has(rsyslog.messages(), "110104", "EventActionCode=\"R\""));
                String appLog = node.log();
                assertThat(appLog).doesNotContain("1CT1");
            }
            syslog = rsyslog.untilStop();
        }
        List<String> local = messages(data.resolve("audit/atna.log"));
        for (List<String> trail : List.of(syslog, local)) {
            assertThat(has(trail, "110100", "110120", "UserID=\"SRI_NODE\""))
                    .as("application start")
                    .isTrue();
            assertThat(has(
                            trail,
                            "110104",
                            "EventActionCode=\"C\"",
                            "UserID=\"MODALITY\"",
                            "ParticipantObjectID=\"" + STUDY + "\"",
                            "SOPClass UID=\"1.2.840.10008.5.1.4.1.1.2\" NumberOfInstances=\"1\""))
                    .as("instances received")
                    .isTrue();
            assertThat(has(
                            trail,
                            "110104",
                            "EventActionCode=\"R\"",
                            "ParticipantObjectID=\"1CT1\"",
                            "CompressedSamples^CT1"))
                    .as("instances sent, with the patient")
                    .isTrue();
            assertThat(has(
                            trail,
                            "110114",
                            "EventOutcomeIndicator=\"0\"",
                            "UserID=\"admin\"",
                            "NetworkAccessPointID=\"127.0.0.1\""))
                    .as("login")
                    .isTrue();
            assertThat(has(
                            trail,
                            "110114",
                            "EventOutcomeIndicator=\"4\"",
                            "UserID=\"admin\"",
                            "wrong user name or password"))
                    .as("failed login")
                    .isTrue();
            assertThat(has(trail, "110103", "ParticipantObjectID=\"/api/series\""))
                    .as("patient data read")
                    .isTrue();
            assertThat(has(trail, "110113", "110126", "UserID=\"INTRUDER\""))
                    .as("refused association")
                    .isTrue();
            assertThat(has(trail, "110113", "110129", "user 'reader' created"))
                    .as("user change")
                    .isTrue();
            assertThat(has(trail, "110121")).as("application stop").isTrue();
        }
        assertSyslogFraming(syslog);
    }

    /**
     * RFC 5425: the audit trail over TLS to rsyslog (GnuTLS driver, TCP) that requires a client certificate its CA signed;
     * the node checks rsyslog's certificate against that CA and the host name.
     */
    @Test
    void auditMessagesReachRsyslogOverTls() throws Exception {
        Path tmp = WorkDir.fresh(getClass()).resolve("tls");
        Files.createDirectories(tmp);
        TestCa ca = TestCa.create(tmp);
        ca.signed("rsyslog", "audit.hospital.test", "subjectAltName=IP:127.0.0.1");
        ca.signed("node", "sri-node.hospital.test", "extendedKeyUsage=clientAuth");
        int port = Ports.free();
        Path data = tmp.resolve("node");
        List<String> syslog;
        try (Rsyslog rsyslog = Rsyslog.start(
                tmp,
                "global(workDirectory=\"" + tmp
                        + "\" defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\""
                        + tmp.resolve("ca.pem")
                        + "\" defaultNetstreamDriverCertFile=\"" + tmp.resolve("rsyslog.pem")
                        + "\" defaultNetstreamDriverKeyFile=\""
                        + tmp.resolve("rsyslog.key") + "\")",
                "module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" streamDriver.authMode=\"x509/certvalid\")",
                "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + port + "\")")) {
            try (Node node = auditedNode(data, port)
                    .with("SRI_AUDIT_SYSLOG_TLS", "true")
                    .with("SRI_AUDIT_SYSLOG_CA", tmp.resolve("ca.pem").toString())
                    .with("SRI_AUDIT_SYSLOG_CERT", tmp.resolve("node.pem").toString())
                    .with("SRI_AUDIT_SYSLOG_KEY", tmp.resolve("node.key").toString())
                    .start()) {
                assertThat(Http.statusAs(node.url("/api/series"), Http.basic("admin", "not-the-password")))
                        .isEqualTo(401);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> has(rsyslog.messages(), "110114", "EventOutcomeIndicator=\"4\""));
                assertThat(node.log()).contains("audit trail over syslog with TLS (RFC 5425) to 127.0.0.1:" + port);
            }
            syslog = rsyslog.untilStop();
        }
        assertThat(has(syslog, "110100", "110120")).as("application start").isTrue();
        // whole messages: octet-counting framing keeps each XML document in one record
        assertSyslogFraming(syslog);
    }
}
