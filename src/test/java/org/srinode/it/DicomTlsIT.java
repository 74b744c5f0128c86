package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, DICOM TLS (PS3.15 B.9 to B.11, BCP 195) with dcmtk as the peer and certificates made here with
 * openssl: with a CA configured, peers need a certificate it signed; an AE title bound to a certificate's
 * Common Name is refused to every other certificate and over plain TCP; the retired AES profile
 * (TLS_RSA_WITH_AES_128_CBC_SHA) is refused; without a CA, anonymous clients (server authentication only) are
 * served. As an SCU the node sends to Orthanc with {@code DicomTlsEnabled} (DCMTK's TLS), showing its client
 * certificate and checking Orthanc's against the CA and the host name.
 */
class DicomTlsIT {
    private Path tmp;

    /** echoscu over TLS: {@code client} names the key and certificate files (null: anonymous TLS), then extra options. */
    private Proc echo(String callingAe, int port, String client, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("echoscu", "-v"));
        if (client == null) {
            cmd.add("+tla");
        } else {
            cmd.addAll(List.of(
                    "+tls",
                    tmp.resolve(client + ".key").toString(),
                    tmp.resolve(client + ".pem").toString(),
                    "-pw"));
        }
        cmd.addAll(List.of("+cf", tmp.resolve("ca.pem").toString()));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-aet", callingAe, "-aec", "SRI_NODE", "127.0.0.1", Integer.toString(port)));
        return Proc.run(tmp.resolve("echoscu-" + System.nanoTime() + ".log"), cmd.toArray(String[]::new));
    }

    @Test
    void tlsWithClientCertificatesAndAeTitlesBoundToThem() throws Exception {
        tmp = WorkDir.fresh(getClass());
        TestCa ca = TestCa.create(tmp);
        ca.signed("node", "127.0.0.1", "subjectAltName=IP:127.0.0.1");
        ca.signed("mr1", "mr1.hospital.test", "extendedKeyUsage=clientAuth");
        ca.signed("other", "other.hospital.test", "extendedKeyUsage=clientAuth");
        TestCa.selfSigned(tmp, "rogue", "mr1.hospital.test");
        int tlsPort = Ports.free();
        Path data = tmp.resolve("node");
        try (Node node = new Node(data)
                .with("SRI_ENHANCE_ENABLED", "false")
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_DICOM_TLS_PORT", Integer.toString(tlsPort))
                .with("SRI_DICOM_TLS_CERT", tmp.resolve("node.pem").toString())
                .with("SRI_DICOM_TLS_KEY", tmp.resolve("node.key").toString())
                .with("SRI_DICOM_TLS_CA", tmp.resolve("ca.pem").toString())
                .with("SRI_DICOM_ALLOWED_CALLING_AE_TITLES", "MR1@CN=mr1.hospital.test,ECHOER")
                .start()) {
            assertThat(Http.json(node.url("/q/health/ready")).toString()).contains("\"tlsPort\":" + tlsPort);
            // the certificate the AE title is bound to: verification and a stored instance
            Proc ok = echo("MR1", tlsPort, "mr1");
            assertThat(ok.exitCode()).as(ok.output()).isZero();
            Path file = SharedData.dicom("debian-python3-pydicom-test_files/CT_small.dcm");
            Proc store = Proc.run(
                    tmp.resolve("storescu-tls.log"),
                    "storescu",
                    "-v",
                    "+tls",
                    tmp.resolve("mr1.key").toString(),
                    tmp.resolve("mr1.pem").toString(),
                    "-pw",
                    "+cf",
                    tmp.resolve("ca.pem").toString(),
                    "-aet",
                    "MR1",
                    "-aec",
                    "SRI_NODE",
                    "127.0.0.1",
                    Integer.toString(tlsPort),
                    file.toString());
            assertThat(store.exitCode()).as(store.output()).isZero();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Http.json(node.url("/api/series")).size() == 1);
            // another valid certificate claiming MR1: the AE title is bound to mr1's certificate
            Proc spoof = echo("MR1", tlsPort, "other");
            assertThat(spoof.exitCode()).as(spoof.output()).isNotZero();
            JsScu.Outcome spoofed = new JsScu(tmp)
                    .echoTls("MR1", tlsPort, tmp.resolve("other.pem"), tmp.resolve("other.key"), tmp.resolve("ca.pem"));
            assertThat(spoofed.association()).as(String.valueOf(spoofed)).isEqualTo("rejected");
            assertThat(spoofed.reason())
                    .as("calling AE title not recognized (PS3.8 table 9-21)")
                    .isEqualTo(3);
            // the same certificate under an unbound AE title of the list: accepted
            Proc unbound = echo("ECHOER", tlsPort, "other");
            assertThat(unbound.exitCode()).as(unbound.output()).isZero();
            // a certificate the CA did not sign, no certificate, the retired AES profile: refused in the handshake
            Proc rogue = echo("MR1", tlsPort, "rogue");
            assertThat(rogue.exitCode()).as(rogue.output()).isNotZero();
            Proc anonymous = echo("ECHOER", tlsPort, null);
            assertThat(anonymous.exitCode()).as(anonymous.output()).isNotZero();
            Proc retired = echo("ECHOER", tlsPort, "mr1", "+pa");
            assertThat(retired.exitCode()).as(retired.output()).isNotZero();
            // MR1 over plain TCP has no certificate to show
            Proc plain = new Dcmtk(tmp).echo("MR1", node.dicomPort);
            assertThat(plain.exitCode()).as(plain.output()).isNotZero();
            Proc plainOther = new Dcmtk(tmp).echo("ECHOER", node.dicomPort);
            assertThat(plainOther.exitCode()).as(plainOther.output()).isZero();
            String log = node.log();
            assertThat(log).contains("listening for TLS").contains("client certificate required");
            assertThat(log).contains("is bound to [CN=mr1.hospital.test]");
            assertThat(log).contains("TLS connection from 127.0.0.1 refused");
            // every refused handshake left the associations free: a last good one still works
            assertThat(echo("MR1", tlsPort, "mr1").exitCode()).isZero();
        }
        // no CA: server authentication only, so an anonymous client is served; TLS only (plain port off)
        try (Node node = new Node(data)
                .with("SRI_ENHANCE_ENABLED", "false")
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_DICOM_PORT", "-1")
                .with("SRI_DICOM_TLS_PORT", Integer.toString(tlsPort))
                .with("SRI_DICOM_TLS_CERT", tmp.resolve("node.pem").toString())
                .with("SRI_DICOM_TLS_KEY", tmp.resolve("node.key").toString())
                .start()) {
            Proc anonymous = echo("ANY", tlsPort, null);
            assertThat(anonymous.exitCode()).as(anonymous.output()).isZero();
            assertThat(new Dcmtk(tmp).echo("ANY", node.dicomPort).exitCode())
                    .as("no plain listener")
                    .isNotZero();
        }
    }

    @Test
    void forwardsToAPacsThatRequiresTls() throws Exception {
        tmp = WorkDir.fresh(getClass()).resolve("scu");
        Files.createDirectories(tmp);
        TestCa ca = TestCa.create(tmp);
        ca.signed("orthanc", "pacs.hospital.test", "subjectAltName=IP:127.0.0.1");
        ca.signed("node", "sri-node.hospital.test", "extendedKeyUsage=clientAuth");
        Path file = SharedData.dicom("debian-python3-pydicom-test_files/CT_small.dcm");
        try (Orthanc orthanc = new Orthanc(tmp.resolve("orthanc"))
                .withDicomTls(tmp.resolve("orthanc.pem"), tmp.resolve("orthanc.key"), tmp.resolve("ca.pem"), true)
                .start()) {
            String base = "dimse:scu?host=127.0.0.1&port=" + orthanc.dicomPort
                    + "&calledAeTitle=ORTHANC&aeTitle=SRI_NODE&tls=true&tlsCa=" + tmp.resolve("ca.pem");
            // without a client certificate Orthanc refuses the handshake: nothing arrives, the log says why
            try (Node node = new Node(tmp.resolve("anonymous"))
                    .with("SRI_ENHANCE_ENABLED", "false")
                    .with("SRI_FHIR_ENABLED", "false")
                    .with("SRI_FORWARD_URI", base)
                    .start()) {
                Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, file);
                assertThat(store.exitCode()).as(store.output()).isZero();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> node.log().contains("TLS with ORTHANC@127.0.0.1:" + orthanc.dicomPort));
                assertThat(node.log()).contains("certificate_required");
                assertThat(orthanc.instanceCount()).isZero();
            }
            // with the node's certificate, which the CA signed: the instance arrives, byte for byte the same data set
            try (Node node = new Node(tmp.resolve("client"))
                    .with("SRI_ENHANCE_ENABLED", "false")
                    .with("SRI_FHIR_ENABLED", "false")
                    .with(
                            "SRI_FORWARD_URI",
                            base + "&tlsCertificate=" + tmp.resolve("node.pem") + "&tlsKey=" + tmp.resolve("node.key"))
                    .start()) {
                Proc store = new Dcmtk(tmp).store("MODALITY", node.dicomPort, file);
                assertThat(store.exitCode()).as(store.output()).isZero();
                await().atMost(Duration.ofSeconds(60)).until(() -> orthanc.instanceCount() == 1);
                assertThat(PixelDigest.of(orthanc.file(orthanc.instances().get(0))))
                        .isEqualTo(PixelDigest.of(Files.readAllBytes(file)));
            }
            // the CA signed Orthanc's certificate for 127.0.0.1, not for localhost: the host name check refuses it
            try (Node node = new Node(tmp.resolve("wrong-name"))
                    .with("SRI_ENHANCE_ENABLED", "false")
                    .with("SRI_FHIR_ENABLED", "false")
                    .with(
                            "SRI_FORWARD_URI",
                            base.replace("host=127.0.0.1", "host=localhost") + "&tlsCertificate="
                                    + tmp.resolve("node.pem") + "&tlsKey=" + tmp.resolve("node.key"))
                    .start()) {
                Path other = SharedData.dicom("debian-python3-pydicom-test_files/MR_small.dcm");
                assertThat(new Dcmtk(tmp)
                                .store("MODALITY", node.dicomPort, other)
                                .exitCode())
                        .isZero();
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> node.log().contains("TLS with ORTHANC@localhost:" + orthanc.dicomPort));
                assertThat(node.log()).containsIgnoringCase("localhost");
                assertThat(orthanc.instanceCount()).isEqualTo(1);
            }
        }
    }
}
