package org.srinode.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How HTTP is secured before start-up (issue 12): secure by default, a certificate made once and reused. */
class HttpsSetupTest {
    @TempDir
    Path data;

    @Test
    void withoutSettingsASelfSignedCertificateIsMadeOnceKeptPrivateAndPlainHttpIsOff() throws Exception {
        HttpsSetup.Decision d = HttpsSetup.decide(Map.of(), data);
        assertThat(d.selfSigned()).isTrue();
        assertThat(d.plainHttp()).isFalse();
        assertThat(d.properties())
                .containsEntry("quarkus.http.insecure-requests", "disabled")
                .containsEntry(
                        "quarkus.tls.key-store.p12.path",
                        data.resolve("tls/http-selfsigned.p12").toString());
        for (String f : new String[] {"http-selfsigned.p12", "http-selfsigned.password"}) {
            assertThat(PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(data.resolve("tls").resolve(f))))
                    .isEqualTo("rw-------");
        }
        assertThat(Files.readString(d.certificate())).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(d.fingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(d.describe())
                .contains(d.fingerprint())
                .doesNotContain(Files.readString(data.resolve("tls/http-selfsigned.password"))
                        .trim());
        assertThat(HttpsSetup.decide(Map.of(), data).fingerprint())
                .as("reused, not made again")
                .isEqualTo(d.fingerprint());
    }

    @Test
    void insecureWithoutACertificateIsPlainHttpOnlyAndMakesNothing() throws Exception {
        HttpsSetup.Decision d = HttpsSetup.decide(Map.of("SRI_HTTP_INSECURE", "true"), data);
        assertThat(d.certificate()).isNull();
        assertThat(d.plainHttp()).isTrue();
        assertThat(d.properties())
                .containsEntry("quarkus.http.insecure-requests", "enabled")
                .doesNotContainKey("quarkus.tls.key-store.p12.path");
        assertThat(data.resolve("tls")).doesNotExist();
        assertThat(d.describe()).contains("without TLS");
    }

    @Test
    void aGivenCertificateNeedsItsKeyAndReadableFiles() throws Exception {
        assertThatThrownBy(() -> HttpsSetup.decide(Map.of("SRI_HTTP_TLS_CERT", "/x/cert.pem"), data))
                .hasMessageContaining("only SRI_HTTP_TLS_CERT is set");
        assertThatThrownBy(() -> HttpsSetup.decide(
                        Map.of("SRI_HTTP_TLS_CERT", "/x/cert.pem", "SRI_HTTP_TLS_KEY", "/x/key.pem"), data))
                .hasMessageContaining("cannot read /x/cert.pem");
        // a certificate and key made by openssl: used as configured; a key of another certificate: refused at once
        Path cert = data.resolve("cert.pem");
        Path key = data.resolve("key.pem");
        Path other = data.resolve("other.pem");
        Path otherKey = data.resolve("other-key.pem");
        for (Path[] pair : new Path[][] {{cert, key}, {other, otherKey}}) {
            Process p = new ProcessBuilder(
                            "openssl",
                            "req",
                            "-x509",
                            "-newkey",
                            "ec",
                            "-pkeyopt",
                            "ec_paramgen_curve:P-256",
                            "-nodes",
                            "-keyout",
                            pair[1].toString(),
                            "-out",
                            pair[0].toString(),
                            "-days",
                            "2",
                            "-subj",
                            "/CN=127.0.0.1")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor()).isZero();
        }
        HttpsSetup.Decision given = HttpsSetup.decide(
                Map.of(
                        "SRI_HTTP_TLS_CERT",
                        cert.toString(),
                        "SRI_HTTP_TLS_KEY",
                        key.toString(),
                        "SRI_HTTP_INSECURE",
                        "true"),
                data);
        assertThat(given.selfSigned()).isFalse();
        assertThat(given.plainHttp()).isTrue();
        assertThat(given.fingerprint()).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(given.properties())
                .containsEntry("quarkus.tls.key-store.pem.node.cert", cert.toString())
                .containsEntry("quarkus.http.insecure-requests", "enabled")
                .containsEntry("quarkus.tls.protocols", "TLSv1.3,TLSv1.2");
        assertThatThrownBy(() -> HttpsSetup.decide(
                        Map.of("SRI_HTTP_TLS_CERT", cert.toString(), "SRI_HTTP_TLS_KEY", otherKey.toString()), data))
                .hasMessageContaining("does not belong to the certificate");
    }
}
