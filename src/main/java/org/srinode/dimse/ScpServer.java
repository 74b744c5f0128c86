package org.srinode.dimse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.srinode.spool.Spool;

/** The listening socket of the Storage/Verification SCP; one thread per association. */
public final class ScpServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ScpServer.class);
    private final ScpSettings settings;
    private final Spool spool;
    private final StoreListener listener;
    private final AtomicInteger active = new AtomicInteger();
    private ServerSocket server;
    private ExecutorService workers;
    private Thread acceptor;

    public ScpServer(ScpSettings settings, Spool spool, StoreListener listener) {
        this.settings = settings;
        this.spool = spool;
        this.listener = listener;
    }

    /** Binds now; a port in use fails here, so the node never runs without its listener. */
    public void start() throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()), 128);
        workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dimse-association");
            t.setDaemon(true);
            return t;
        });
        acceptor = new Thread(this::acceptLoop, "dimse-scp-" + settings.aeTitle());
        acceptor.setDaemon(true);
        acceptor.start();
        if (settings.allowedCallingAes().isEmpty()) {
            LOG.warnf("SCP %s accepts associations from any calling AE title: set an allow-list in production", settings.aeTitle());
        }
        LOG.infof("SCP %s listening on %s:%d", settings.aeTitle(), settings.bindAddress(), localPort());
    }

    public int localPort() {
        return server == null ? -1 : server.getLocalPort();
    }

    public boolean isBound() {
        return server != null && server.isBound() && !server.isClosed();
    }

    public int activeAssociations() {
        return active.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                active.incrementAndGet();
                workers.execute(new ScpAssociation(s, settings, spool, listener, active));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warnf("accept failed: %s", e.toString());
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
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
