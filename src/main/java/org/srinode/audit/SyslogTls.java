package org.srinode.audit;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.logging.Handler;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.jboss.logmanager.handlers.ClientSocketFactory;
import org.jboss.logmanager.handlers.SyslogHandler;
import org.srinode.tls.TlsProfile;

/**
 * Syslog over TLS (RFC 5425) for the audit trail: the {@code sri.atna} category's syslog handler (which
 * {@code org.srinode.NodeMain} configures for SSL over TCP with octet-counting framing when
 * {@code SRI_AUDIT_SYSLOG_TLS=true}) gets connections made here instead of by the JDK's default SSL socket factory:
 * the node's TLS profile (TLS 1.3/1.2, BCP 195 suites), trust in the audit repository's CA
 * ({@code SRI_AUDIT_SYSLOG_CA}, PEM; else the JDK's trust store), the repository's host name checked against its
 * certificate, and optionally a client certificate ({@code SRI_AUDIT_SYSLOG_CERT}/{@code _KEY}) for a repository that
 * authenticates its senders (RFC 5425 section 5).
 */
final class SyslogTls implements ClientSocketFactory {
    private static final int CONNECT_TIMEOUT_MS = 10000;
    private final SSLContext context;
    private final String host;
    private final InetAddress address;
    private final int port;

    private SyslogTls(SSLContext context, String host, InetAddress address, int port) {
        this.context = context;
        this.host = host;
        this.address = address;
        this.port = port;
    }

    /**
     * Installs TLS connections on the syslog handler(s) of the {@code sri.atna} category.
     *
     * @param endpoint    host:port of the audit repository
     * @param trustedCa   PEM certificates trusted to sign the repository's certificate, or null
     * @param certificate PEM client certificate, or null
     * @param key         PEM key of {@code certificate}, or null
     * @return how many handlers were given TLS (0 when the category has no syslog handler)
     * @throws IllegalArgumentException unreadable or mismatched files, or an endpoint that is not host:port (start-up stops)
     */
    static int install(String endpoint, Path trustedCa, Path certificate, Path key) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("SRI_AUDIT_SYSLOG must be host:port, not '" + endpoint + "'");
        }
        String host = endpoint.substring(0, colon);
        int port = Integer.parseInt(endpoint.substring(colon + 1));
        SyslogTls factory;
        try {
            factory = new SyslogTls(TlsProfile.sslContext(certificate, key, trustedCa), host, InetAddress.getByName(host), port);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("syslog over TLS (SRI_AUDIT_SYSLOG_CA, SRI_AUDIT_SYSLOG_CERT, SRI_AUDIT_SYSLOG_KEY): "
                    + e.getMessage(), e);
        }
        int installed = 0;
        for (Handler h : java.util.logging.Logger.getLogger("sri.atna").getHandlers()) {
            if (h instanceof SyslogHandler s) {
                s.setProtocol(SyslogHandler.Protocol.SSL_TCP);
                s.setUseCountingFraming(true);
                s.setClientSocketFactory(factory);
                installed++;
            }
        }
        return installed;
    }

    @Override
    public DatagramSocket createDatagramSocket() throws SocketException {
        throw new SocketException("syslog over TLS has no datagram socket");
    }

    /** A TCP connection with the TLS handshake done, the repository's host name checked. */
    @Override
    public Socket createSocket() throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(TlsProfile.PROTOCOLS.toArray(String[]::new));
            p.setCipherSuites(TlsProfile.supported(TlsProfile.CIPHER_SUITES, s.getSupportedCipherSuites()));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(CONNECT_TIMEOUT_MS);
            s.startHandshake();
            s.setSoTimeout(0);
            return s;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    @Override
    public InetAddress getAddress() {
        return address;
    }

    @Override
    public int getPort() {
        return port;
    }
}
