package org.srinode.dimse;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.srinode.tls.TlsProfile;

/**
 * TLS for DICOM associations as PS3.15 Annex B.9 to B.11 profile it (the BCP 195 secure transport
 * connection profiles, RFC 9325): TLS 1.3 and 1.2 only, AEAD cipher suites with forward secrecy only. The
 * key material is PEM (a certificate chain and its private key, PKCS#1, PKCS#8 or SEC 1), read by Vert.x'
 * PEM key options (the parser Quarkus uses for HTTPS); trusted certificates are read by the JDK.
 */
public final class DicomTls {
    /** TLS versions offered and accepted ({@link TlsProfile#PROTOCOLS}). */
    public static final List<String> PROTOCOLS = TlsProfile.PROTOCOLS;

    /** Cipher suites offered and accepted ({@link TlsProfile#CIPHER_SUITES}). */
    public static final List<String> CIPHER_SUITES = TlsProfile.CIPHER_SUITES;

    private DicomTls() {}

    /**
     * An SSL context with the node's certificate and, when {@code trustedCa} is given, trust in exactly the
     * certificates in that file (peers must present a certificate it signed); without it the JDK's default trust.
     *
     * @param certificate PEM certificate chain, the node's first
     * @param key         PEM private key of the first certificate; null with {@code certificate} null: no key material (an SCU
     *                    without a client certificate)
     * @param trustedCa   PEM certificates trusted to sign peers' certificates, or null
     * @throws IOException              a file cannot be read
     * @throws GeneralSecurityException a file is not what it should be (the message says which)
     */
    public static SSLContext context(Path certificate, Path key, Path trustedCa)
            throws IOException, GeneralSecurityException {
        return TlsProfile.sslContext(certificate, key, trustedCa);
    }

    /**
     * Restricts the server side of an accepted connection to the profile; {@code needClientAuth}: a peer without a
     * trusted certificate fails the handshake.
     */
    static void configure(SSLSocket s, boolean needClientAuth) {
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(supported(PROTOCOLS, s.getSupportedProtocols()));
        p.setCipherSuites(supported(CIPHER_SUITES, s.getSupportedCipherSuites()));
        p.setUseCipherSuitesOrder(true);
        p.setNeedClientAuth(needClientAuth);
        s.setSSLParameters(p);
    }

    static String[] supported(List<String> wanted, String[] available) {
        return TlsProfile.supported(wanted, available);
    }
}
