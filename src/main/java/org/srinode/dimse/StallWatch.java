package org.srinode.dimse;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a DIMSE connection whose transfer stalls where a socket timeout cannot see it: a write blocked because the
 * peer stopped reading (a blocking write has no timeout of its own), or a PDU that arrives so slowly that every single
 * read finishes within the socket timeout (one PDU sent a byte a minute would hold an association, and a worker, for
 * ever). Checked
 * once a second; one shared timer thread for all connections.
 *
 * <p>Used by the Storage SCP for both directions and by the Storage SCU for its writes and for each reply it awaits
 * (the A-ASSOCIATE reply, each C-STORE-RSP, the A-RELEASE-RP, the peer's part of a TLS handshake). After {@link #fired()} the
 * socket is closed and the blocked call ends with an {@link IOException}; the caller reports the reason.
 */
final class StallWatch implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dimse-stall-watch");
        t.setDaemon(true);
        return t;
    });

    private final Socket socket;
    private final long limitNanos;
    private final ScheduledFuture<?> task;
    private volatile long writingSince; // 0 while no write is under way
    private volatile long readingSince; // 0 while no PDU (or response) is awaited
    private volatile String awaited = "a PDU";
    private volatile String fired;

    /**
     * Starts watching {@code socket}.
     *
     * @param limitMs how long one write may stay blocked, and one PDU may take from its first byte to its last, in ms;
     *     0 or less: no watch (the idle timeout 0 means "none" too)
     */
    StallWatch(Socket socket, int limitMs) {
        this.socket = socket;
        this.limitNanos = limitMs * 1_000_000L;
        this.task = limitMs > 0 ? TIMER.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS) : null;
    }

    /** {@code out} with its writes timed: a write still blocked after the limit closes the socket. */
    OutputStream watch(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writingSince = System.nanoTime();
                try {
                    out.write(b, off, len);
                } finally {
                    writingSince = 0;
                }
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }
        };
    }

    /** The first byte of a PDU has arrived: the rest must follow within the limit. */
    void pduStarted() {
        awaiting("a PDU");
    }

    /** The PDU is read whole. */
    void pduRead() {
        arrived();
    }

    /**
     * From now, {@code what} (for example "the C-STORE-RSP": every PDU it takes, however many) must arrive whole within
     * the limit; a peer that answers with a trickle of PDUs, each within the socket timeout, cannot hold the caller.
     */
    void awaiting(String what) {
        awaited = what;
        readingSince = System.nanoTime();
    }

    /** What {@link #awaiting} named has arrived. */
    void arrived() {
        readingSince = 0;
    }

    /** Why the connection was closed ("the peer stopped reading ..."), or null while it was not. */
    String fired() {
        return fired;
    }

    private void check() {
        long now = System.nanoTime();
        long w = writingSince;
        long r = readingSince;
        if (w != 0 && now - w > limitNanos) {
            close("the peer stopped reading for more than " + limitNanos / 1_000_000 + " ms");
        } else if (r != 0 && now - r > limitNanos) {
            close(awaited + " took more than " + limitNanos / 1_000_000 + " ms to arrive");
        }
    }

    private void close(String reason) {
        fired = reason;
        task.cancel(false);
        // on a thread of its own: closing a TLS socket sends close_notify, which waits for the lock the blocked write
        // holds; with SO_LINGER 0 it does not wait, and the shared timer never does
        Thread closer = new Thread(
                () -> {
                    try {
                        socket.setSoLinger(true, 0);
                    } catch (IOException ignored) {
                        // already closed
                    }
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // closing is all that is left to do
                    }
                },
                "dimse-stall-close");
        closer.setDaemon(true);
        closer.start();
    }

    @Override
    public void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
