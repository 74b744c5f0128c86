package org.srinode.dimse;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.jboss.logging.Logger;
import org.srinode.dicom.LogText;

/**
 * The SCP's TLS listener (PS3.15 Annex B.9 to B.11, see {@link DicomTls}): accepts TLS connections, runs each
 * handshake and reads its A-ASSOCIATE-RQ (Sta2) on a bounded pool within the ARTIM time, then hands the
 * association to the server's workers like the plain listener does. A peer that is slow to shake hands or to
 * send its request holds one handshake thread for at most ARTIM and never an association worker; beyond the
 * pool and its queue (the pending-connection limit) new connections are closed at once.
 */
final class ScpTlsListener implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ScpTlsListener.class);

    private final SSLContext context;
    private final boolean needClientAuth;
    private final ScpSettings settings;
    private final int port;
    private final BiConsumer<SSLSocket, byte[]> handOver;
    private final BiConsumer<InetAddress, String> refusedPeer;
    private SSLServerSocket server;
    private ThreadPoolExecutor handshakes;
    private ScheduledExecutorService closers;
    private Thread acceptor;
    private volatile boolean running;
    private final AtomicInteger refused = new AtomicInteger();

    /**
     * @param port           TCP port (0: any free port)
     * @param needClientAuth peers must present a certificate the context trusts
     * @param handOver       takes a socket whose A-ASSOCIATE-RQ (the PDU body) has been read
     * @param refusedPeer    hears of each failed handshake (peer address, reason)
     */
    ScpTlsListener(SSLContext context, int port, boolean needClientAuth, ScpSettings settings, BiConsumer<SSLSocket, byte[]> handOver,
                   BiConsumer<InetAddress, String> refusedPeer) {
        this.refusedPeer = refusedPeer;
        this.context = context;
        this.port = port;
        this.needClientAuth = needClientAuth;
        this.settings = settings;
        this.handOver = handOver;
    }

    void start() throws IOException {
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), port), 1024);
        DicomTls.configure(server, needClientAuth);
        int threads = Math.max(4, settings.maxAssociations());
        AtomicInteger n = new AtomicInteger();
        handshakes = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(settings.maxPendingConnections()),
                r -> {
                    Thread t = new Thread(r, "dimse-tls-handshake-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        handshakes.allowCoreThreadTimeOut(true);
        closers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dimse-tls-close");
            t.setDaemon(true);
            return t;
        });
        running = true;
        acceptor = new Thread(this::acceptLoop, "dimse-tls-accept-" + settings.aeTitle());
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.infof("SCP %s listening for TLS on %s:%d (%s; client certificate %s)", settings.aeTitle(), settings.bindAddress(), localPort(),
                String.join(", ", server.getSSLParameters().getProtocols()), needClientAuth ? "required" : "not requested");
    }

    int localPort() {
        return server == null ? -1 : server.getLocalPort();
    }

    boolean isBound() {
        return server != null && !server.isClosed() && acceptor != null && acceptor.isAlive();
    }

    private void acceptLoop() {
        while (running) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (running) {
                    LOG.warnf("TLS accept: %s", e.toString());
                }
                continue;
            }
            try {
                handshakes.execute(() -> negotiate((SSLSocket) s));
            } catch (RejectedExecutionException e) {
                closeQuietly(s);
                if (refused.getAndIncrement() % 100 == 0) {
                    LOG.warnf("TLS connection from %s closed: %d handshakes running or waiting (%d refused so far)",
                            s.getInetAddress().getHostAddress(), handshakes.getActiveCount() + handshakes.getQueue().size(), refused.get());
                }
            }
        }
    }

    /** Sta2 over TLS: the handshake and the A-ASSOCIATE-RQ, both within ARTIM. */
    private void negotiate(SSLSocket s) {
        String peer = s.getInetAddress().getHostAddress();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.artimTimeoutMs());
        try {
            s.setSoTimeout(settings.artimTimeoutMs());
            s.startHandshake();
            InputStream in = s.getInputStream();
            byte[] header = readFully(s, in, 6, deadline);
            int type = header[0] & 0xff;
            long length = Pdus.u32(header, 2);
            if (type != Pdus.ASSOCIATE_RQ || length > ScpServer.MAX_ASSOCIATE_RQ || length < 68) {
                LOG.warnf("TLS connection from %s aborted before association: %s", peer, type != Pdus.ASSOCIATE_RQ
                        ? "PDU type " + type + " before A-ASSOCIATE-RQ" : "A-ASSOCIATE-RQ of " + length + " bytes");
                Pdus.write(s.getOutputStream(), Pdus.ABORT, Pdus.abortBody(Pdus.ABORT_SOURCE_PROVIDER, type != Pdus.ASSOCIATE_RQ
                        ? (type >= 1 && type <= 7 ? Pdus.ABORT_UNEXPECTED_PDU : Pdus.ABORT_UNRECOGNIZED_PDU) : Pdus.ABORT_INVALID_PARAMETER));
                closeLater(s);
                return;
            }
            byte[] body = readFully(s, in, (int) length, deadline);
            handOver.accept(s, body);
        } catch (SocketTimeoutException e) {
            LOG.debugf("TLS connection from %s dropped: no handshake and A-ASSOCIATE-RQ within ARTIM (%d ms)", peer, settings.artimTimeoutMs());
            closeQuietly(s);
        } catch (IOException | RuntimeException e) {
            // a failed handshake (no or an untrusted certificate, no common protocol or suite) is a security event
            LOG.warnf("TLS connection from %s refused: %s", peer, LogText.escape(String.valueOf(e.getMessage())));
            closeQuietly(s);
            try {
                refusedPeer.accept(s.getInetAddress(), "TLS handshake failed: " + e.getMessage());
            } catch (RuntimeException ignored) {
                // an audit failure does not change what happens to the connection
            }
        }
    }

    /** Reads exactly {@code n} bytes before the deadline (the socket timeout is what is left of it before each read). */
    private static byte[] readFully(SSLSocket s, InputStream in, int n, long deadline) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(n, 1 << 16));
        byte[] buf = new byte[Math.min(n, 1 << 16)];
        while (out.size() < n) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new SocketTimeoutException("ARTIM");
            }
            s.setSoTimeout((int) Math.max(1, left));
            int r = in.read(buf, 0, Math.min(buf.length, n - out.size()));
            if (r < 0) {
                throw new EOFException("closed before the A-ASSOCIATE-RQ was complete");
            }
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }

    /**
     * Sta13 over TLS: the last PDU is sent; the socket is closed (with TLS close_notify) shortly after, by a timer
     * rather than a worker, so that the peer reads the PDU before the connection goes.
     */
    void closeLater(Socket s) {
        try {
            closers.schedule(() -> closeQuietly(s), Math.min(settings.artimTimeoutMs(), 1000), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        running = false;
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (handshakes != null) {
            handshakes.shutdownNow();
        }
        if (closers != null) {
            for (Runnable pending : closers.shutdownNow()) {
                pending.run();   // the scheduled closes
            }
        }
    }
}
