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
    /** How long one audit message may take to write before the connection is closed (the repository stopped reading). */
    static final int WRITE_STALL_MS = 30000;

    private static final java.util.concurrent.ScheduledExecutorService TIMER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sri-audit-syslog-watch");
                t.setDaemon(true);
                return t;
            });

    private final SSLContext context;
    private final String host;
    private final InetAddress address;
    private final int port;
    private final int connectTimeoutMs;
    /** The connection made last (while its handshake runs: the TCP socket under it); null before the first. */
    private volatile Socket current;

    SyslogTls(SSLContext context, String host, InetAddress address, int port, int connectTimeoutMs) {
        this.context = context;
        this.host = host;
        this.address = address;
        this.port = port;
        this.connectTimeoutMs = connectTimeoutMs;
    }

    /**
     * Attaches a syslog handler for TLS to the {@code sri.atna} category: RFC 5424 messages (facility log audit, app
     * name sri-node) over TLS with octet-counting framing (RFC 5425), on connections made here. It sits behind an
     * asynchronous queue of {@link #QUEUE} messages that drops what does not fit: a repository that stops reading must
     * not stop the node (the local audit file, written first and synchronously, stays the complete record). A message
     * whose write stays blocked for {@link #WRITE_STALL_MS} (the repository stopped reading) closes the connection, and
     * the handler reconnects; the repository's part of each TLS handshake must arrive within the connect timeout (10 s).
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
        QueuedHandler queued;
        try {
            int port = Integer.parseInt(endpoint.substring(colon + 1));
            SyslogTls factory = new SyslogTls(
                    TlsProfile.sslContext(certificate, key, trustedCa),
                    host,
                    InetAddress.getByName(host),
                    port,
                    CONNECT_TIMEOUT_MS);
            queued = factory.handler(WRITE_STALL_MS);
        } catch (IOException | GeneralSecurityException | NumberFormatException e) {
            throw new IllegalArgumentException(
                    "syslog over TLS (SRI_AUDIT_SYSLOG, SRI_AUDIT_SYSLOG_CA, SRI_AUDIT_SYSLOG_CERT, "
                            + "SRI_AUDIT_SYSLOG_KEY): " + e.getMessage(),
                    e);
        }
        java.util.logging.Logger.getLogger("sri.atna").addHandler(queued);
        return queued;
    }

    /**
     * The syslog handler on this factory's connections (RFC 5424, facility log audit, octet-counting framing), behind a
     * queue of {@link #QUEUE} messages whose sender closes the connection when one message takes longer than
     * {@code stallMs} to write ({@link #abort}).
     *
     * @throws IOException the local host name cannot be found
     */
    QueuedHandler handler(long stallMs) throws IOException {
        SyslogHandler syslog = new SyslogHandler(
                address,
                port,
                SyslogHandler.Facility.LOG_AUDIT,
                SyslogHandler.SyslogType.RFC5424,
                SyslogHandler.Protocol.SSL_TCP,
                InetAddress.getLocalHost().getHostName());
        syslog.setClientSocketFactory(this);
        syslog.setAppName("sri-node");
        syslog.setUseCountingFraming(true);
        syslog.setMaxLength(60 * 1024);
        syslog.setTruncate(false);
        syslog.setFormatter(new org.jboss.logmanager.formatters.PatternFormatter("%s"));
        return new QueuedHandler(syslog, QUEUE, 5000, stallMs, this::abort);
    }

    /** Audit messages waiting for the repository at most; more are dropped from the syslog copy (never from the file). */
    static final int QUEUE = 1024;

    @Override
    public DatagramSocket createDatagramSocket() throws SocketException {
        throw new SocketException("syslog over TLS has no datagram socket");
    }

    /**
     * A TCP connection with the TLS handshake done, the repository's host name checked. The connect and the
     * repository's whole part of the handshake must each finish within the connect timeout (a repository that trickles
     * its handshake, each byte within a read timeout, is cut off at that limit too).
     *
     * @throws IOException unreachable, refused, a failed or too slow handshake
     */
    @Override
    public Socket createSocket() throws IOException {
        Socket plain = new Socket();
        current = plain;
        java.util.concurrent.ScheduledFuture<?> deadline = null;
        java.util.concurrent.atomic.AtomicBoolean late = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            plain.connect(new InetSocketAddress(address, port), connectTimeoutMs);
            deadline = TIMER.schedule(
                    () -> {
                        late.set(true);
                        closeAbruptly(plain);
                    },
                    connectTimeoutMs,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(TlsProfile.PROTOCOLS.toArray(String[]::new));
            p.setCipherSuites(TlsProfile.supported(TlsProfile.CIPHER_SUITES, s.getSupportedCipherSuites()));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(connectTimeoutMs);
            s.startHandshake();
            if (!deadline.cancel(false)) {
                throw new SocketException("closed at the handshake deadline");
            }
            s.setSoTimeout(0);
            current = s;
            return s;
        } catch (IOException | RuntimeException e) {
            plain.close();
            if (late.get()) {
                java.net.SocketTimeoutException slow = new java.net.SocketTimeoutException(
                        "the audit repository's part of the TLS handshake took more than " + connectTimeoutMs + " ms");
                slow.initCause(e);
                throw slow;
            }
            throw e;
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
        }
    }

    /**
     * Closes the connection made last, without waiting (SO_LINGER 0, on a thread of its own): called when an audit
     * message has been blocked in its write longer than {@link #WRITE_STALL_MS} because the repository stopped reading.
     * The blocked write ends with an exception and the syslog handler reconnects (messages meanwhile are dropped from
     * the syslog copy, never from the local audit file).
     */
    void abort() {
        Socket s = current;
        if (s != null) {
            Thread closer = new Thread(() -> closeAbruptly(s), "sri-audit-syslog-close");
            closer.setDaemon(true);
            closer.start();
        }
    }

    private static void closeAbruptly(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
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
