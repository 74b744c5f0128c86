package org.srinode.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;

/**
 * The TLS profile of every listener of the node (HTTPS and DICOM): the BCP 195 recommendations (RFC 9325) that
 * PS3.15 Annex B.9 to B.11 adopt for DICOM: TLS 1.3 and 1.2 only, AEAD cipher suites with forward secrecy only.
 * And the loading of a PEM certificate with its key, refused at start-up when the key does not belong to the
 * certificate (a node that listens but fails every handshake would look healthy).
 */
public final class TlsProfile {
    /** TLS versions offered and accepted. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * Cipher suites offered and accepted (JDK names), in preference order: the TLS 1.3 suites, then the TLS 1.2
     * ECDHE and DHE suites with AES-GCM or ChaCha20-Poly1305 that BCP 195 recommends (PS3.15 B.9 lists the RSA ones,
     * B.11 adds ECDSA).
     */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");

    private TlsProfile() {}

    /**
     * Key managers for a PEM certificate chain and its private key (PKCS#1, PKCS#8 or SEC 1, read by Vert.x' PEM
     * options, the parser Quarkus uses for HTTPS).
     *
     * @throws GeneralSecurityException the files are not a certificate and a key, or the key does not belong to the
     *                                  certificate (the message names both files)
     */
    public static KeyManagerFactory keyManagers(Path certificate, Path key)
            throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf;
        try {
            kmf = new PemKeyCertOptions()
                    .addCertValue(Buffer.buffer(Files.readAllBytes(certificate)))
                    .addKeyValue(Buffer.buffer(Files.readAllBytes(key)))
                    .getKeyManagerFactory(null);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new GeneralSecurityException(
                    "cannot use " + certificate + " with " + key + " as a certificate and its key (PEM): "
                            + e.getMessage(),
                    e);
        }
        for (KeyManager km : kmf.getKeyManagers()) {
            if (km instanceof X509KeyManager x) {
                for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519", "RSASSA-PSS"}) {
                    String[] aliases = x.getServerAliases(type, null);
                    for (String alias : aliases == null ? new String[0] : aliases) {
                        X509Certificate[] chain = x.getCertificateChain(alias);
                        if (chain != null && chain.length > 0 && !belongTogether(x.getPrivateKey(alias), chain[0])) {
                            throw new GeneralSecurityException(
                                    "the key in " + key + " does not belong to the certificate in " + certificate);
                        }
                    }
                }
            }
        }
        return kmf;
    }

    /**
     * An SSL context with a certificate and key (when given) and, when {@code trustedCa} is given, trust in exactly the
     * certificates in that file (peers must show a certificate one of them signed); without it the JDK's default trust.
     *
     * @param certificate PEM certificate chain, the node's first; null: no key material (a client without a certificate)
     * @param key         PEM private key of the first certificate; null when {@code certificate} is
     * @param trustedCa   PEM certificates trusted to sign peers' certificates, or null
     * @throws IOException              a file cannot be read
     * @throws GeneralSecurityException a file is not what it should be (the message says which)
     */
    public static javax.net.ssl.SSLContext sslContext(Path certificate, Path key, Path trustedCa)
            throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = certificate == null ? null : keyManagers(certificate, key);
        javax.net.ssl.TrustManager[] trust = null;
        if (trustedCa != null) {
            try {
                // the JDK reads PEM certificates itself; each becomes a trust anchor
                java.security.KeyStore anchors =
                        java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                anchors.load(null, null);
                int i = 0;
                try (java.io.InputStream in = Files.newInputStream(trustedCa)) {
                    for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509")
                            .generateCertificates(in)) {
                        anchors.setCertificateEntry("ca-" + i++, c);
                    }
                }
                if (i == 0) {
                    throw new GeneralSecurityException("no certificate in it");
                }
                javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(anchors);
                trust = tmf.getTrustManagers();
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new GeneralSecurityException(
                        "cannot use " + trustedCa + " as trusted certificates (PEM): " + e.getMessage(), e);
            }
        }
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, null);
        return ctx;
    }

    /** The cipher suites of the profile that {@code available} (what the JDK supports) holds, in the profile's order. */
    public static String[] supported(List<String> wanted, String[] available) {
        List<String> have = java.util.Arrays.asList(available);
        return wanted.stream().filter(have::contains).toArray(String[]::new);
    }

    /** Whether a signature made with {@code key} verifies with the certificate's public key. */
    static boolean belongTogether(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // EdDSA, Ed25519
        };
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        try {
            Signature sign = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                sign.setParameter(new java.security.spec.PSSParameterSpec(
                        "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                verify.setParameter(new java.security.spec.PSSParameterSpec(
                        "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (java.security.InvalidKeyException e) {
            return false; // a key of another type than the certificate's
        }
    }
}
