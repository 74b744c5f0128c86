package org.srinode.security;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.srinode.tls.TlsProfile;

/**
 * How the node's HTTP server is secured, decided before Quarkus starts (issue 12), from the environment:
 * <ul>
 *   <li>{@code SRI_HTTP_TLS_CERT} and {@code SRI_HTTP_TLS_KEY} (PEM files): HTTPS with that certificate;</li>
 *   <li>neither: HTTPS with a self-signed certificate (EC P-256, SHA-256, 825 days, subject alternative names
 *       for the host name, localhost and 127.0.0.1) made once by the JDK's {@code keytool} into
 *       {@code $SRI_DATA_DIR/tls/http-selfsigned.p12} (mode 0600; its random password beside it, also 0600) and
 *       reused at every start; its certificate is also written as PEM ({@code http-selfsigned.pem}) for clients
 *       to trust;</li>
 *   <li>plain HTTP is off (Quarkus {@code insecure-requests=disabled}) unless {@code SRI_HTTP_INSECURE=true};
 *       with it and no certificate, the node speaks plain HTTP only (meant for the demo and tests on loopback).</li>
 * </ul>
 * The result is a set of Quarkus configuration properties (set as system properties by {@code NodeMain}, except
 * where the operator set the same property, as a system property or its environment variable) and the
 * certificate's SHA-256 fingerprint. HTTPS speaks the {@link TlsProfile}.
 */
public final class HttpsSetup {
    /** The generated certificate's alias in its key store. */
    static final String ALIAS = "sri-node-https";

    private HttpsSetup() {}

    /**
     * @param properties  Quarkus properties to set before start-up
     * @param certificate the certificate HTTPS serves (PEM file), or null for plain HTTP only
     * @param fingerprint SHA-256 of that certificate's DER encoding, colon-separated hex, or null
     * @param selfSigned  whether the node made the certificate
     * @param plainHttp   whether plain HTTP is served too
     */
    public record Decision(
            Map<String, String> properties,
            Path certificate,
            String fingerprint,
            boolean selfSigned,
            boolean plainHttp) {
        /** One line for the log: never a secret. */
        public String describe() {
            if (certificate == null) {
                return "HTTP without TLS (SRI_HTTP_INSECURE=true and no certificate): use it on loopback or a trusted network only";
            }
            return "HTTPS with "
                    + (selfSigned ? "a self-signed certificate made by the node" : "the configured certificate") + " ("
                    + certificate + ", SHA-256 " + fingerprint + ")"
                    + (plainHttp ? "; plain HTTP is on too (SRI_HTTP_INSECURE=true)" : "; plain HTTP is off");
        }
    }

    /**
     * Decides (and, the first time, makes the self-signed certificate).
     *
     * @param env     the node's environment (SRI_DATA_DIR, SRI_HTTP_TLS_CERT, SRI_HTTP_TLS_KEY, SRI_HTTP_INSECURE)
     * @param dataDir the data folder when SRI_DATA_DIR is not set
     * @throws IllegalArgumentException when only one of the PEM files is given or one is unreadable
     * @throws IOException              when the certificate cannot be made (keytool failed) or stored
     */
    public static Decision decide(Map<String, String> env, Path dataDir) throws IOException {
        String cert = env.getOrDefault("SRI_HTTP_TLS_CERT", "").trim();
        String key = env.getOrDefault("SRI_HTTP_TLS_KEY", "").trim();
        boolean insecure = "true"
                .equalsIgnoreCase(env.getOrDefault("SRI_HTTP_INSECURE", "false").trim());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.http.insecure-requests", insecure ? "enabled" : "disabled");
        p.put("sri.http.insecure", Boolean.toString(insecure));
        if (cert.isEmpty() != key.isEmpty()) {
            throw new IllegalArgumentException(
                    "SRI_HTTP_TLS_CERT and SRI_HTTP_TLS_KEY go together (PEM certificate chain and its "
                            + "private key); only " + (cert.isEmpty() ? "SRI_HTTP_TLS_KEY" : "SRI_HTTP_TLS_CERT")
                            + " is set");
        }
        if (!cert.isEmpty()) {
            for (String f : List.of(cert, key)) {
                if (!Files.isReadable(Path.of(f))) {
                    throw new IllegalArgumentException("cannot read " + f + " (SRI_HTTP_TLS_CERT / SRI_HTTP_TLS_KEY)");
                }
            }
            try {
                TlsProfile.keyManagers(Path.of(cert), Path.of(key)); // refuses a key that is not the certificate's
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException(e.getMessage() + " (SRI_HTTP_TLS_CERT, SRI_HTTP_TLS_KEY)", e);
            }
            p.put("quarkus.tls.key-store.pem.node.cert", cert);
            p.put("quarkus.tls.key-store.pem.node.key", key);
            profile(p);
            return new Decision(p, Path.of(cert), fingerprint(firstCertificate(Path.of(cert))), false, insecure);
        }
        if (insecure) {
            return new Decision(p, null, null, false, true);
        }
        Path dir = dataDir.resolve("tls");
        Path store = dir.resolve("http-selfsigned.p12");
        Path password = dir.resolve("http-selfsigned.password");
        Path pem = dir.resolve("http-selfsigned.pem");
        if (!Files.exists(store) || !Files.exists(password)) {
            makeSelfSigned(dir, store, password, pem);
        }
        String pw = Files.readString(password).trim();
        Certificate c;
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw.toCharArray());
            c = ks.getCertificate(ALIAS);
        } catch (Exception e) {
            throw new IOException(
                    "cannot open " + store + " with the password in " + password + ": " + e.getMessage()
                            + " (delete both to make a new certificate)",
                    e);
        }
        if (c == null) {
            throw new IOException(store + " holds no certificate named " + ALIAS + " (delete it to make a new one)");
        }
        if (!Files.exists(pem)) {
            writePem(pem, c);
        }
        p.put("quarkus.tls.key-store.p12.path", store.toString());
        p.put("quarkus.tls.key-store.p12.password", pw);
        profile(p);
        return new Decision(p, pem, fingerprint(c), true, false);
    }

    /** HTTPS speaks the node's TLS profile ({@link TlsProfile}: TLS 1.3/1.2, AEAD suites with forward secrecy), as DICOM does. */
    private static void profile(Map<String, String> p) {
        p.put("quarkus.tls.protocols", String.join(",", TlsProfile.PROTOCOLS));
        p.put("quarkus.tls.cipher-suites", String.join(",", TlsProfile.CIPHER_SUITES));
    }

    private static void makeSelfSigned(Path dir, Path store, Path password, Path pem) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String pw = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Files.deleteIfExists(store);
        Files.deleteIfExists(pem);
        Path tmpPw = dir.resolve("http-selfsigned.password.tmp");
        Files.writeString(tmpPw, pw + "\n", StandardCharsets.US_ASCII);
        restrict(tmpPw);
        String host = hostName();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                ALIAS,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-sigalg",
                "SHA256withECDSA",
                "-validity",
                "825",
                "-dname",
                "CN=" + host + ", O=sri-node self-signed",
                "-ext",
                "SAN=dns:" + host + (host.equals("localhost") ? "" : ",dns:localhost") + ",ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass:file",
                tmpPw.toString(),
                "-noprompt"));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = proc.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!proc.waitFor(60, TimeUnit.SECONDS) || proc.exitValue() != 0) {
                proc.destroyForcibly();
                throw new IOException("keytool could not make the self-signed HTTPS certificate: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making the self-signed HTTPS certificate", e);
        }
        restrict(store);
        Files.move(tmpPw, password, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void restrict(Path f) throws IOException {
        try {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    /** The host name for the certificate's subject, reduced to what a DNS name may hold; "localhost" when unknown. */
    static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            return h.matches("[a-z0-9]([a-z0-9.-]{0,250}[a-z0-9])?") ? h : "localhost";
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static Certificate firstCertificate(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException(
                    pem + " (SRI_HTTP_TLS_CERT) is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static void writePem(Path pem, Certificate c) throws IOException {
        try {
            String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(c.getEncoded());
            Files.writeString(
                    pem,
                    "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n",
                    StandardCharsets.US_ASCII);
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException(e);
        }
    }

    /** SHA-256 of the certificate's DER encoding as colon-separated upper-case hex (what browsers and openssl show). */
    static String fingerprint(Certificate c) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
