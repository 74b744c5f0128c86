package org.srinode.dimse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.jboss.logging.Logger;
import org.srinode.spool.Spool;

/**
 * The listening side of the Storage/Verification SCP. One selector thread holds every connection
 * that has not yet sent its whole A-ASSOCIATE-RQ (PS3.8 Sta2): such connections cost no thread and
 * do not count against the association limit, are dropped when ARTIM expires or when more than
 * {@link ScpSettings#maxPendingConnections()} are waiting (the oldest first), and buffer at most
 * {@link #MAX_ASSOCIATE_RQ} bytes each and {@link #MAX_BUFFERED} together. A complete request goes
 * to a bounded pool of {@link ScpSettings#maxAssociations()} association workers; when all are busy
 * the selector answers A-ASSOCIATE-RJ (transient, local limit exceeded) itself. After a rejection or
 * an A-ABORT the selector also waits for the peer's close (Sta13, ARTIM).
 *
 * <p>Longer than the project's 300 lines: the selector loop, its buffers and its limits are one piece of state that
 * only one thread touches; split, that rule would have to be enforced across classes.
 */
public final class ScpServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ScpServer.class);
    /** Largest A-ASSOCIATE-RQ accepted: 128 presentation contexts of 64 KiB items plus the other items fit (PS3.8 9.3.2). */
    static final int MAX_ASSOCIATE_RQ = 9 * 1024 * 1024;
    /** Bytes buffered for all connections in Sta2 together; beyond it the largest is dropped. */
    static final long MAX_BUFFERED = 64L * 1024 * 1024;

    private final ScpSettings settings;
    private final Spool spool;
    private final StoreListener listener;
    private final AcceptancePolicy policy;
    private final AtomicInteger active = new AtomicInteger();
    private final Map<SocketChannel, Negotiating> negotiating = new LinkedHashMap<>();
    private final Map<SocketChannel, Long> closing = new HashMap<>();
    /** Associations a worker finished (Sta13): the selector awaits the peer's close, the worker is free at once. */
    private final java.util.Queue<SocketChannel> handedBack = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final Map<SocketChannel, byte[]> pendingBodies = new HashMap<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(1 << 16);
    private long buffered;
    private long dropped;
    private ServerSocketChannel server;
    private Selector selector;
    private ExecutorService workers;
    private Semaphore slots;
    private Thread reactor;
    private final AtomicInteger workerNumber = new AtomicInteger();
    private volatile boolean running;

    public ScpServer(ScpSettings settings, Spool spool, StoreListener listener) {
        this(settings, spool, listener, new AeTitlePolicy(settings.aeTitle(), settings.allowedCallingAes()));
    }

    public ScpServer(ScpSettings settings, Spool spool, StoreListener listener, AcceptancePolicy policy) {
        this.settings = settings;
        this.spool = spool;
        this.listener = listener;
        this.policy = policy;
    }

    private ScpTlsListener tls;
    private AssociationEvents events = AssociationEvents.NONE;

    /** Who hears of stored instances and refused peers (an audit trail); call before {@link #start()}. */
    public ScpServer tellingTo(AssociationEvents events) {
        this.events = events;
        return this;
    }

    /**
     * Adds a TLS listener (PS3.15 B.9 to B.11, {@link DicomTls}) beside the plain one, or instead of it when the
     * settings' port is negative; call before {@link #start()}.
     *
     * @param context        the node's certificate and key, and the trusted CA when {@code needClientAuth}
     * @param port           TCP port (0: any free port)
     * @param needClientAuth peers must present a certificate that {@code context} trusts
     * @return this server
     */
    public ScpServer withTls(SSLContext context, int port, boolean needClientAuth) {
        this.tls = new ScpTlsListener(
                context,
                port,
                needClientAuth,
                settings,
                this::handOverTls,
                (peer, why) -> events.refused(null, peer, why));
        return this;
    }

    /** Binds now; a port in use fails here, so the node never runs without its listener. */
    public void start() throws IOException {
        workers = Executors.newFixedThreadPool(settings.maxAssociations(), r -> {
            Thread t = new Thread(r, "dimse-association-" + workerNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        slots = new Semaphore(settings.maxAssociations());
        running = true;
        if (settings.allowedCallingAes().isEmpty()) {
            LOG.warnf(
                    "SCP %s accepts associations from any calling AE title: set an allow-list in production",
                    settings.aeTitle());
        }
        if (tls != null) {
            tls.start();
        }
        if (settings.port() < 0) {
            if (tls == null) {
                throw new IllegalArgumentException("the SCP has neither a plain port nor a TLS listener");
            }
            LOG.infof("SCP %s: no plain (non-TLS) listener", settings.aeTitle());
            return;
        }
        server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()), 1024);
        server.configureBlocking(false);
        selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        reactor = new Thread(this::loop, "dimse-scp-" + settings.aeTitle());
        reactor.setDaemon(true);
        reactor.start();
        LOG.infof(
                "SCP %s listening on %s:%d (at most %d associations, ARTIM %d ms)",
                settings.aeTitle(),
                settings.bindAddress(),
                localPort(),
                settings.maxAssociations(),
                settings.artimTimeoutMs());
    }

    /** The plain listener's port, -1 without one. */
    public int localPort() {
        return server == null ? -1 : server.socket().getLocalPort();
    }

    /** The TLS listener's port, -1 without one. */
    public int tlsLocalPort() {
        return tls == null ? -1 : tls.localPort();
    }

    /** Every configured listener is bound and accepting. */
    public boolean isBound() {
        boolean plain =
                settings.port() < 0 || server != null && server.isOpen() && reactor != null && reactor.isAlive();
        return plain && (tls == null || tls.isBound());
    }

    /** A connection in Sta2: what it has sent so far. */
    private static final class Negotiating {
        final long deadline;
        final byte[] header = new byte[6];
        int headerRead;
        byte[] body;
        int bodyRead;
        int length;

        Negotiating(long deadline) {
            this.deadline = deadline;
        }

        long buffered() {
            return body == null ? 0 : body.length;
        }
    }

    private void loop() {
        while (running) {
            try {
                long now = System.nanoTime();
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextDeadline(now) - now)));
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                List<SocketChannel> complete = new ArrayList<>();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else if (key.isReadable()) {
                        read((SocketChannel) key.channel(), complete);
                    }
                }
                for (SocketChannel ch; (ch = handedBack.poll()) != null; ) {
                    try {
                        startClosing(ch);
                    } catch (IOException | RuntimeException e) {
                        closeNow(ch);
                    }
                }
                // connections awaiting the peer's close are bounded like those awaiting an A-ASSOCIATE-RQ: beyond
                // the cap the oldest is closed now (a peer that associates, releases and never closes, in a loop)
                while (closing.size() > settings.maxPendingConnections()) {
                    SocketChannel oldest = null;
                    long first = Long.MAX_VALUE;
                    for (Map.Entry<SocketChannel, Long> e : closing.entrySet()) {
                        if (e.getValue() < first) {
                            first = e.getValue();
                            oldest = e.getKey();
                        }
                    }
                    closeNow(oldest);
                }
                expire(System.nanoTime());
                if (!complete.isEmpty()) {
                    selector.selectNow(); // deregisters the cancelled keys before the channels turn blocking
                    for (SocketChannel ch : complete) {
                        handOver(ch);
                    }
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.warnf("SCP selector: %s", e.toString());
                }
            }
        }
    }

    private long nextDeadline(long now) {
        long next = now + TimeUnit.SECONDS.toNanos(1);
        for (Negotiating n : negotiating.values()) {
            next = Math.min(next, n.deadline);
        }
        for (long d : closing.values()) {
            next = Math.min(next, d);
        }
        return next;
    }

    private void accept() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.register(selector, SelectionKey.OP_READ);
            negotiating.put(
                    ch, new Negotiating(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.artimTimeoutMs())));
            if (negotiating.size() > settings.maxPendingConnections()) {
                SocketChannel oldest = negotiating.keySet().iterator().next();
                drop(oldest, "more than " + settings.maxPendingConnections() + " connections awaiting association");
            }
        }
    }

    private void read(SocketChannel ch, List<SocketChannel> complete) {
        try {
            Long closeBy = closing.get(ch);
            if (closeBy != null) {
                scratch.clear();
                if (ch.read(scratch) < 0) {
                    closeNow(ch);
                }
                return;
            }
            Negotiating n = negotiating.get(ch);
            if (n == null) {
                return;
            }
            if (n.headerRead < 6) {
                int r = ch.read(ByteBuffer.wrap(n.header, n.headerRead, 6 - n.headerRead));
                if (r < 0) {
                    forget(ch);
                    closeNow(ch);
                    return;
                }
                n.headerRead += r;
                if (n.headerRead < 6) {
                    return;
                }
                int type = n.header[0] & 0xff;
                long length = Pdus.u32(n.header, 2);
                if (type != Pdus.ASSOCIATE_RQ) {
                    abortInSta2(
                            ch,
                            "PDU type " + type + " before A-ASSOCIATE-RQ",
                            type >= 1 && type <= 7 ? Pdus.ABORT_UNEXPECTED_PDU : Pdus.ABORT_UNRECOGNIZED_PDU);
                    return;
                }
                if (length > MAX_ASSOCIATE_RQ || length < 68) {
                    abortInSta2(ch, "A-ASSOCIATE-RQ of " + length + " bytes", Pdus.ABORT_INVALID_PARAMETER);
                    return;
                }
                n.length = (int) length;
                n.body = new byte[Math.min(n.length, 1 << 16)];
                buffered += n.body.length;
            }
            while (true) {
                if (n.bodyRead == n.body.length && n.body.length < n.length) {
                    int grown = (int) Math.min(n.length, 2L * n.body.length);
                    buffered += grown - n.body.length;
                    n.body = Arrays.copyOf(n.body, grown);
                    if (buffered > MAX_BUFFERED) {
                        abortInSta2(
                                ch,
                                "association requests buffered beyond " + (MAX_BUFFERED >> 20) + " MiB",
                                Pdus.ABORT_NOT_SPECIFIED);
                        return;
                    }
                }
                if (n.bodyRead == n.length) {
                    forget(ch);
                    ch.keyFor(selector).cancel();
                    complete.add(ch);
                    pendingBodies.put(ch, n.body);
                    return;
                }
                int r = ch.read(ByteBuffer.wrap(n.body, n.bodyRead, n.body.length - n.bodyRead));
                if (r < 0) {
                    forget(ch);
                    closeNow(ch);
                    return;
                }
                if (r == 0) {
                    return;
                }
                n.bodyRead += r;
            }
        } catch (IOException e) {
            forget(ch);
            closeNow(ch);
        }
    }

    /** Sta2 -> Sta3: a worker takes the association, or the limit answers A-ASSOCIATE-RJ. */
    private void handOver(SocketChannel ch) {
        byte[] body = pendingBodies.remove(ch);
        try {
            if (!slots.tryAcquire()) {
                LOG.warnf(
                        "association from %s rejected: %d associations already open (limit %d)",
                        ch.socket().getInetAddress().getHostAddress(),
                        settings.maxAssociations(),
                        settings.maxAssociations());
                ch.configureBlocking(true);
                Pdus.write(
                        ch.socket().getOutputStream(),
                        Pdus.ASSOCIATE_RJ,
                        Rejection.localLimitExceeded("local limit exceeded").pduBody());
                startClosing(ch);
                return;
            }
            ch.configureBlocking(true);
            startAssociation(ch.socket(), body, socket -> {
                handedBack.add(ch);
                selector.wakeup();
            });
        } catch (IOException | RuntimeException e) {
            LOG.debugf("hand-over failed: %s", e.toString());
            closeNow(ch);
        }
    }

    /**
     * Sta3: a worker runs the association on its socket (the slot already taken); when it ends, the slot is freed and
     * {@code awaitClose} waits for the peer to close.
     */
    private void startAssociation(
            java.net.Socket socket, byte[] body, java.util.function.Consumer<java.net.Socket> awaitClose) {
        active.incrementAndGet();
        workers.execute(new ScpAssociation(
                        socket,
                        body,
                        settings,
                        policy,
                        spool,
                        listener,
                        () -> {
                            active.decrementAndGet();
                            slots.release();
                        },
                        awaitClose)
                .tellingTo(events));
    }

    /** Sta2 -> Sta3 for a TLS connection whose A-ASSOCIATE-RQ {@link ScpTlsListener} has read. */
    private void handOverTls(SSLSocket s, byte[] body) {
        try {
            if (!running || !slots.tryAcquire()) {
                LOG.warnf(
                        "TLS association from %s rejected: %d associations already open (limit %d)",
                        s.getInetAddress().getHostAddress(), settings.maxAssociations(), settings.maxAssociations());
                Pdus.write(
                        s.getOutputStream(),
                        Pdus.ASSOCIATE_RJ,
                        Rejection.localLimitExceeded("local limit exceeded").pduBody());
                tls.closeLater(s);
                return;
            }
            startAssociation(s, body, tls::closeLater);
        } catch (IOException | RuntimeException e) {
            LOG.debugf("TLS hand-over failed: %s", e.toString());
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** AA-1 in Sta2: A-ABORT, then wait for the close (Sta13). */
    private void abortInSta2(SocketChannel ch, String why, int reason) {
        forget(ch);
        LOG.warnf(
                "connection from %s aborted before association: %s",
                ch.socket().getInetAddress().getHostAddress(), why);
        try {
            ch.write(ByteBuffer.wrap(
                    new byte[] {Pdus.ABORT, 0, 0, 0, 0, 4, 0, 0, Pdus.ABORT_SOURCE_PROVIDER, (byte) reason}));
            ch.shutdownOutput();
            closing.put(ch, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.artimTimeoutMs()));
        } catch (IOException e) {
            closeNow(ch);
        }
    }

    /** Sta13 for a blocking channel already deregistered: back to the selector to await the close. */
    private void startClosing(SocketChannel ch) throws IOException {
        if (!ch.socket().isOutputShutdown()) {
            ch.shutdownOutput();
        }
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ);
        closing.put(ch, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.artimTimeoutMs()));
    }

    private void expire(long now) {
        List<SocketChannel> late = new ArrayList<>();
        negotiating.forEach((ch, n) -> {
            if (n.deadline - now <= 0) {
                late.add(ch);
            }
        });
        for (SocketChannel ch : late) {
            drop(ch, "no A-ASSOCIATE-RQ within ARTIM (" + settings.artimTimeoutMs() + " ms)");
        }
        late.clear();
        closing.forEach((ch, d) -> {
            if (d - now <= 0) {
                late.add(ch);
            }
        });
        late.forEach(this::closeNow);
    }

    /** AA-2: ARTIM expired (or the connection was evicted): close without an A-ABORT. */
    private void drop(SocketChannel ch, String why) {
        forget(ch);
        closeNow(ch);
        if (dropped++ % 100 == 0) {
            LOG.warnf("connection dropped before association: %s (%d dropped so far)", why, dropped);
        }
    }

    private void forget(SocketChannel ch) {
        Negotiating n = negotiating.remove(ch);
        if (n != null) {
            buffered -= n.buffered();
        }
    }

    private void closeNow(SocketChannel ch) {
        closing.remove(ch);
        try {
            ch.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        if (tls != null) {
            tls.close();
        }
        if (selector != null) {
            selector.wakeup();
        }
        if (reactor != null) {
            try {
                reactor.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (server != null) {
            server.close();
        }
        if (selector != null) {
            for (SelectionKey k : selector.keys()) {
                try {
                    k.channel().close();
                } catch (IOException ignored) {
                    // closing
                }
            }
            selector.close();
        }
        for (SocketChannel ch; (ch = handedBack.poll()) != null; ) {
            try {
                ch.close(); // handed back by a worker after the reactor stopped
            } catch (IOException ignored) {
                // closing
            }
        }
        if (workers != null) {
            workers.shutdown();
            try {
                workers.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers.shutdownNow();
        }
    }
}
