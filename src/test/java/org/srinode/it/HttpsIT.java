package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, HTTPS: the node's default is HTTPS only, with a self-signed certificate it makes at the first start
 * (kept 0600 in the data folder, reused, its fingerprint logged, never its password) and no plain HTTP; a
 * certificate given as PEM files (made here with openssl) replaces it.
 */
class HttpsIT {
    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ks.setCertificateEntry(
                    "node", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static HttpResponse<String> get(SSLContext trust, String url, String authorization) throws Exception {
        HttpClient c = HttpClient.newBuilder()
                .sslContext(trust)
                .connectTimeout(Duration.ofSeconds(3))
                .build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String fingerprint(Certificate c) throws Exception {
        return HexFormat.ofDelimiter(":")
                .withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
    }

    private static Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void httpsByDefaultWithASelfSignedCertificateThenWithTheHospitalsOwn() throws Exception {
        Path tmp = WorkDir.fresh(getClass());
        Path data = tmp.resolve("node");
        String fp;
        try (Node node = new Node(data)
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_ENHANCE_ENABLED", "false")
                .secure()
                .start()) {
            Path pem = data.resolve("tls/http-selfsigned.pem");
            Path store = data.resolve("tls/http-selfsigned.p12");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store)))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(data.resolve("tls/http-selfsigned.password"))))
                    .isEqualTo("rw-------");
            X509Certificate cert = (X509Certificate) read(pem);
            assertThat(cert.getSubjectAlternativeNames())
                    .extracting(l -> l.get(1).toString())
                    .contains("localhost", "127.0.0.1");
            fp = fingerprint(cert);
            SSLContext trust = trusting(pem);
            // the certificate in the PEM file is the one served; health without a login, the API with one only
            assertThat(get(trust, node.httpsUrl("/q/health/ready"), null).statusCode())
                    .isEqualTo(200);
            assertThat(get(trust, node.httpsUrl("/api/series"), null).statusCode())
                    .isEqualTo(401);
            assertThat(get(trust, node.httpsUrl("/api/series"), Http.basic("admin", Node.ADMIN_PASSWORD))
                            .statusCode())
                    .isEqualTo(200);
            // a client that does not trust it is refused by its own TLS stack
            assertThatThrownBy(() -> get(SSLContext.getDefault(), node.httpsUrl("/q/health/ready"), null))
                    .isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
                    .hasStackTraceContaining("PKIX path building failed");
            // no plain HTTP
            assertThat(Http.status(node.url("/q/health/ready"))).isEqualTo(-1);
            // the node's TLS profile: an AEAD suite with forward secrecy is served, CBC with SHA-1 and TLS 1.1 are not
            String target = "127.0.0.1:" + node.httpsPort;
            assertThat(Proc.run(
                                    tmp.resolve("s_client-gcm.log"),
                                    "sh",
                                    "-c",
                                    "openssl s_client -connect " + target
                                            + " -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 </dev/null")
                            .exitCode())
                    .isZero();
            assertThat(Proc.run(
                                    tmp.resolve("s_client-cbc.log"),
                                    "sh",
                                    "-c",
                                    "openssl s_client -connect " + target
                                            + " -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA </dev/null")
                            .exitCode())
                    .isNotZero();
            assertThat(Proc.run(
                                    tmp.resolve("s_client-tls11.log"),
                                    "sh",
                                    "-c",
                                    "openssl s_client -connect " + target
                                            + " -tls1_1 -cipher ALL:@SECLEVEL=0 </dev/null")
                            .exitCode())
                    .isNotZero();
            String log = node.log();
            assertThat(log).contains(fp).contains("self-signed");
            assertThat(log)
                    .doesNotContain(Files.readString(data.resolve("tls/http-selfsigned.password"))
                            .trim());
        }
        // restarted: the same certificate
        try (Node node = new Node(data)
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_ENHANCE_ENABLED", "false")
                .secure()
                .start()) {
            assertThat(fingerprint(read(data.resolve("tls/http-selfsigned.pem"))))
                    .isEqualTo(fp);
            assertThat(node.log()).contains(fp);
        }
        // the hospital's certificate (PEM files)
        TestCa.selfSigned(tmp, "hospital", "sri-node.hospital.test", "subjectAltName=IP:127.0.0.1");
        Path key = tmp.resolve("hospital.key");
        Path crt = tmp.resolve("hospital.pem");
        try (Node node = new Node(data)
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_ENHANCE_ENABLED", "false")
                .secure()
                .with("SRI_HTTP_TLS_CERT", crt.toString())
                .with("SRI_HTTP_TLS_KEY", key.toString())
                .start()) {
            assertThat(get(trusting(crt), node.httpsUrl("/q/health/ready"), null)
                            .statusCode())
                    .isEqualTo(200);
            String log = node.log(); // every start of this data folder appends to one log: this start's part
            String thisStart = log.substring(log.lastIndexOf("HAPI FHIR version"));
            assertThat(thisStart)
                    .contains(fingerprint(read(crt)))
                    .contains("the configured certificate")
                    .doesNotContain(fp);
        }
    }
}
