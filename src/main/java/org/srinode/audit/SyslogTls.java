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
 * Syslog over TLS (RFC 5425) for the audit trail ({@code SRI_AUDIT_SYSLOG_TLS=true}): a syslog handler of the node's own
 * on the {@code sri.atna} category (attached at start-up, never the UDP handler of the configuration), whose
 * connections are made here instead of by the JDK's default SSL socket factory:
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
     * Attaches a syslog handler for TLS to the {@code sri.atna} category: RFC 5424 messages (facility log audit, app
     * name sri-node) over TLS with octet-counting framing (RFC 5425), on connections made here. It sits behind an
     * asynchronous queue of {@link #QUEUE} messages that drops what does not fit: a repository that stops reading must
     * not stop the node (the local audit file, written first and synchronously, stays the complete record).
     *
     * @param endpoint    host:port of the audit repository
     * @param trustedCa   PEM certificates trusted to sign the repository's certificate, or null (the JDK's trust store)
     * @param certificate PEM client certificate, or null
     * @param key         PEM key of {@code certificate}, or null
     * @return the handler attached (close it at shutdown, after the last message: it sends what is queued first, for up
     *         to 5 s)
     * @throws IllegalArgumentException unreadable or mismatched files, or an endpoint that is not host:port (start-up stops)
     */
    static Handler attach(String endpoint, Path trustedCa, Path certificate, Path key) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("SRI_AUDIT_SYSLOG must be host:port, not '" + endpoint + "'");
        }
        String host = endpoint.substring(0, colon);
        SyslogHandler syslog;
        try {
            int port = Integer.parseInt(endpoint.substring(colon + 1));
            SyslogTls factory = new SyslogTls(
                    TlsProfile.sslContext(certificate, key, trustedCa), host, InetAddress.getByName(host), port);
            syslog = new SyslogHandler(
                    factory.address,
                    port,
                    SyslogHandler.Facility.LOG_AUDIT,
                    SyslogHandler.SyslogType.RFC5424,
                    SyslogHandler.Protocol.SSL_TCP,
                    InetAddress.getLocalHost().getHostName());
            syslog.setClientSocketFactory(factory);
        } catch (IOException | GeneralSecurityException | NumberFormatException e) {
            throw new IllegalArgumentException(
                    "syslog over TLS (SRI_AUDIT_SYSLOG, SRI_AUDIT_SYSLOG_CA, SRI_AUDIT_SYSLOG_CERT, "
                            + "SRI_AUDIT_SYSLOG_KEY): " + e.getMessage(),
                    e);
        }
        syslog.setAppName("sri-node");
        syslog.setUseCountingFraming(true);
        syslog.setMaxLength(60 * 1024);
        syslog.setTruncate(false);
        syslog.setFormatter(new org.jboss.logmanager.formatters.PatternFormatter("%s"));
        QueuedHandler queued = new QueuedHandler(syslog, QUEUE, 5000);
        java.util.logging.Logger.getLogger("sri.atna").addHandler(queued);
        return queued;
    }

    /** Audit messages waiting for the repository at most; more are dropped from the syslog copy (never from the file). */
    static final int QUEUE = 1024;

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
