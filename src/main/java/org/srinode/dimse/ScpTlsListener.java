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
import javax.net.ssl.SSLSocket;
import org.jboss.logging.Logger;
import org.srinode.dicom.LogText;

/**
 * The SCP's TLS listener (PS3.15 Annex B.9 to B.11, see {@link DicomTls}): accepts TLS connections, runs each
 * handshake and reads its A-ASSOCIATE-RQ (Sta2) on a bounded pool within the ARTIM time, then hands the
 * association to the server's workers like the plain listener does. A peer that is slow to shake hands or to
 * send its request holds one handshake thread for at most ARTIM (a timer closes it then) and never an association
 * worker; one address has at most {@link #MAX_PENDING_PER_ADDRESS} handshakes pending; beyond that, or beyond the
 * pool and its queue (the pending-connection limit), new connections are closed at once.
 *
 * <p>About 320 lines: the handshake threads, their ARTIM timer and the per-address count share one state that must
 * change together.
 */
final class ScpTlsListener implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ScpTlsListener.class);

    private final SSLContext context;
    private final boolean needClientAuth;
    private final ScpSettings settings;
    private final int port;
    private final BiConsumer<SSLSocket, byte[]> handOver;
    private final BiConsumer<InetAddress, String> refusedPeer;
    /** Plain TCP: TLS is layered over each accepted socket, so that the ARTIM timer can close the TCP connection itself. */
    private java.net.ServerSocket server;

    private ThreadPoolExecutor handshakes;
    private ScheduledExecutorService closers;
    private Thread acceptor;
    private volatile boolean running;
    private final AtomicInteger refused = new AtomicInteger();
    /** Handshakes one address may have pending (running or queued) at once; more from it are closed at once. */
    static final int MAX_PENDING_PER_ADDRESS = 8;

    private final java.util.concurrent.ConcurrentHashMap<InetAddress, AtomicInteger> pendingPerAddress =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param port           TCP port (0: any free port)
     * @param needClientAuth peers must present a certificate the context trusts
     * @param handOver       takes a socket whose A-ASSOCIATE-RQ (the PDU body) has been read
     * @param refusedPeer    hears of each failed handshake (peer address, reason)
     */
    ScpTlsListener(
            SSLContext context,
            int port,
            boolean needClientAuth,
            ScpSettings settings,
            BiConsumer<SSLSocket, byte[]> handOver,
            BiConsumer<InetAddress, String> refusedPeer) {
        this.refusedPeer = refusedPeer;
        this.context = context;
        this.port = port;
        this.needClientAuth = needClientAuth;
        this.settings = settings;
        this.handOver = handOver;
    }

    void start() throws IOException {
        server = new java.net.ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), port), 1024);
        int threads = Math.max(4, settings.maxAssociations());
        AtomicInteger n = new AtomicInteger();
        handshakes = new ThreadPoolExecutor(
                threads,
                threads,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.maxPendingConnections()),
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
        LOG.infof(
                "SCP %s listening for TLS on %s:%d (%s; client certificate %s)",
                settings.aeTitle(),
                settings.bindAddress(),
                localPort(),
                String.join(", ", DicomTls.PROTOCOLS),
                needClientAuth ? "required" : "not requested");
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
            InetAddress from = s.getInetAddress();
            AtomicInteger mine = pendingPerAddress.computeIfAbsent(from, k -> new AtomicInteger());
            if (mine.incrementAndGet() > MAX_PENDING_PER_ADDRESS) {
                release(from, mine);
                closeQuietly(s);
                if (refused.getAndIncrement() % 100 == 0) {
                    LOG.warnf(
                            "TLS connection from %s closed: %d handshakes from that address already pending (%d refused so far)",
                            from.getHostAddress(), MAX_PENDING_PER_ADDRESS, refused.get());
                }
                continue;
            }
            try {
                handshakes.execute(() -> {
                    try {
                        negotiate(s);
                    } finally {
                        release(from, mine);
                    }
                });
            } catch (RejectedExecutionException e) {
                release(from, mine);
                closeQuietly(s);
                if (refused.getAndIncrement() % 100 == 0) {
                    LOG.warnf(
                            "TLS connection from %s closed: %d handshakes running or waiting (%d refused so far)",
                            s.getInetAddress().getHostAddress(),
                            handshakes.getActiveCount() + handshakes.getQueue().size(),
                            refused.get());
                }
            }
        }
    }

    private void release(InetAddress from, AtomicInteger count) {
        if (count.decrementAndGet() <= 0) {
            pendingPerAddress.remove(from, count);
        }
    }

    /**
     * Sta2 over TLS: the handshake and the A-ASSOCIATE-RQ, both within ARTIM in total: a timer closes the socket
     * at the deadline (a read timeout alone would let a peer that sends a byte now and then hold the thread).
     */
    private void negotiate(Socket raw) {
        String peer = raw.getInetAddress().getHostAddress();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.artimTimeoutMs());
        java.util.concurrent.atomic.AtomicBoolean expired = new java.util.concurrent.atomic.AtomicBoolean();
        // the TCP socket, not the TLS one: closing an SSLSocket from another thread waits for the handshake it
        // interrupts
        java.util.concurrent.ScheduledFuture<?> artim = closers.schedule(
                () -> {
                    expired.set(true);
                    closeQuietly(raw);
                },
                settings.artimTimeoutMs(),
                TimeUnit.MILLISECONDS);
        boolean shaken = false;
        SSLSocket s;
        try {
            s = (SSLSocket) context.getSocketFactory().createSocket(raw, peer, raw.getPort(), true);
            DicomTls.configure(s, needClientAuth);
        } catch (IOException | RuntimeException e) {
            artim.cancel(false);
            closeQuietly(raw);
            LOG.warnf("TLS connection from %s: cannot start TLS: %s", peer, e.toString());
            return;
        }
        try {
            s.setSoTimeout(settings.artimTimeoutMs());
            s.startHandshake();
            shaken = true;
            InputStream in = s.getInputStream();
            byte[] header = readFully(s, in, 6, deadline);
            int type = header[0] & 0xff;
            long length = Pdus.u32(header, 2);
            if (type != Pdus.ASSOCIATE_RQ || length > ScpServer.MAX_ASSOCIATE_RQ || length < 68) {
                LOG.warnf(
                        "TLS connection from %s aborted before association: %s",
                        peer,
                        type != Pdus.ASSOCIATE_RQ
                                ? "PDU type " + type + " before A-ASSOCIATE-RQ"
                                : "A-ASSOCIATE-RQ of " + length + " bytes");
                Pdus.write(
                        s.getOutputStream(),
                        Pdus.ABORT,
                        Pdus.abortBody(
                                Pdus.ABORT_SOURCE_PROVIDER,
                                type != Pdus.ASSOCIATE_RQ
                                        ? (type >= 1 && type <= 7
                                                ? Pdus.ABORT_UNEXPECTED_PDU
                                                : Pdus.ABORT_UNRECOGNIZED_PDU)
                                        : Pdus.ABORT_INVALID_PARAMETER));
                closeLater(s);
                return;
            }
            byte[] body = readFully(s, in, (int) length, deadline);
            if (!artim.cancel(false)) {
                throw new SocketTimeoutException("ARTIM");
            }
            handOver.accept(s, body);
        } catch (SocketTimeoutException e) {
            artim.cancel(false);
            LOG.debugf(
                    "TLS connection from %s dropped: no handshake and A-ASSOCIATE-RQ within ARTIM (%d ms)",
                    peer, settings.artimTimeoutMs());
            closeQuietly(raw);
        } catch (IOException | RuntimeException e) {
            artim.cancel(false);
            closeQuietly(raw);
            if (expired.get()) {
                LOG.debugf(
                        "TLS connection from %s dropped: no handshake and A-ASSOCIATE-RQ within ARTIM (%d ms)",
                        peer, settings.artimTimeoutMs());
                return;
            }
            if (shaken) {
                // the peer authenticated and went away before asking for an association (a monitor, a test): not an
                // attack
                LOG.debugf(
                        "TLS connection from %s closed before its A-ASSOCIATE-RQ: %s",
                        peer, LogText.escape(String.valueOf(e.getMessage())));
                return;
            }
            // a failed handshake (no or an untrusted certificate, no common protocol or suite) is a security event
            LOG.warnf("TLS connection from %s refused: %s", peer, LogText.escape(String.valueOf(e.getMessage())));
            try {
                refusedPeer.accept(raw.getInetAddress(), "TLS handshake failed: " + e.getMessage());
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
                pending.run(); // the scheduled closes
            }
        }
    }
}
