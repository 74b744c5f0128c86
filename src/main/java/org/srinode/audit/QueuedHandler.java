package org.srinode.audit;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Hands log records to another handler on a thread of its own, through a bounded queue that drops what does not fit, so
 * that a slow or unreachable audit repository never holds up the node; {@link #close} sends what is queued (for up to
 * {@code drainMillis}) before it closes the handler behind it, so the Application Stop message leaves with the node.
 * (JBoss LogManager's AsyncHandler closes its nested handlers without waiting for its queue, which lost that message.)
 */
final class QueuedHandler extends Handler {
    private final Handler target;
    private final BlockingQueue<LogRecord> queue;
    private final long drainMillis;
    private final Thread sender;
    private final long stallNanos;
    private final Runnable onStall;
    private final java.util.concurrent.ScheduledFuture<?> watch;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private volatile long sendingSince; // System.nanoTime() when the record being sent was taken; 0 between records
    private volatile boolean closed;
    private volatile boolean abandoned; // close() gave up draining: what is still queued is dropped
    private long droppedReported;
    private long lastReport;

    private static final java.util.concurrent.ScheduledExecutorService WATCH =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sri-audit-syslog-stall-watch");
                t.setDaemon(true);
                return t;
            });

    /** A queue without a stall watch (see the full constructor). */
    QueuedHandler(Handler target, int capacity, long drainMillis) {
        this(target, capacity, drainMillis, 0, null);
    }

    /**
     * @param target      the handler that sends (a syslog handler)
     * @param capacity    records waiting at most; a record that finds the queue full is dropped (counted, and reported
     *     in the node's log at most once a minute)
     * @param drainMillis how long {@link #close} waits for the queue to empty
     * @param stallMillis how long sending one record may take before {@code onStall} runs (checked once a second); 0:
     *     no watch
     * @param onStall     what unblocks a stalled send (closing the connection under it), run once per stalled record
     */
    QueuedHandler(Handler target, int capacity, long drainMillis, long stallMillis, Runnable onStall) {
        this.target = target;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.drainMillis = drainMillis;
        this.stallNanos = stallMillis * 1_000_000L;
        this.onStall = onStall;
        this.sender = new Thread(this::send, "sri-audit-syslog");
        sender.setDaemon(true);
        sender.start();
        long check = Math.max(10, Math.min(1000, stallMillis / 4));
        this.watch = stallMillis > 0 && onStall != null
                ? WATCH.scheduleWithFixedDelay(this::checkStall, check, check, TimeUnit.MILLISECONDS)
                : null;
    }

    @Override
    public void publish(LogRecord r) {
        if (!closed && isLoggable(r) && !queue.offer(r)) {
            dropped.incrementAndGet(); // full: dropped from the syslog copy (the local audit file has it)
        }
    }

    /** Records dropped because the queue was full, since start-up. */
    long dropped() {
        return dropped.get();
    }

    private void checkStall() {
        long since = sendingSince;
        if (since != 0 && System.nanoTime() - since > stallNanos) {
            sendingSince = 0; // once per record: the send it unblocks ends with an error, the next record starts anew
            org.jboss.logging.Logger.getLogger(QueuedHandler.class)
                    .warnf(
                            "audit repository: one message took more than %d ms to send (the repository stopped"
                                    + " reading); closing the connection (the handler reconnects; the local audit"
                                    + " file has every message)",
                            stallNanos / 1_000_000);
            onStall.run();
        }
        long d = dropped.get();
        long now = System.nanoTime();
        if (d > droppedReported && now - lastReport > 60_000_000_000L) {
            org.jboss.logging.Logger.getLogger(QueuedHandler.class)
                    .warnf(
                            "audit repository: %d audit messages not sent since start-up (%d since the last report):"
                                    + " the queue of %d was full, the repository is slow or unreachable; the local"
                                    + " audit file has them",
                            d, d - droppedReported, queue.remainingCapacity() + queue.size());
            droppedReported = d;
            lastReport = now;
        }
    }

    private void send() {
        while (!abandoned && (!closed || !queue.isEmpty())) {
            try {
                LogRecord r = queue.poll(200, TimeUnit.MILLISECONDS);
                if (r != null) {
                    sendingSince = System.nanoTime();
                    try {
                        target.publish(r);
                        target.flush();
                    } finally {
                        sendingSince = 0;
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the handler reports its own errors; the next record tries again
            }
        }
    }

    @Override
    public void flush() {
        target.flush();
    }

    /**
     * Stops taking records, sends what is queued for up to the drain time (the stall watch still on), then closes the
     * handler behind it. What is still queued then is dropped; the record under way is given the drain time again to
     * finish, and only a send still blocked after that is unblocked with {@code onStall} (a blocked socket write
     * ignores interrupts, and the syslog handler's close waits for the lock that write holds); the handler's close is
     * given at most the drain time again. Shutting down waits for the audit repository at most four drain times.
     */
    @Override
    public void close() {
        closed = true;
        try {
            sender.join(drainMillis);
            if (sender.isAlive()) { // still sending after the drain time: what is left is dropped
                abandoned = true;
                sender.join(drainMillis); // the record under way may finish
                if (sender.isAlive() && onStall != null) { // blocked: the connection is closed under it
                    onStall.run();
                    sender.join(drainMillis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        if (watch != null) {
            watch.cancel(false);
        }
        Thread closing = new Thread(target::close, "sri-audit-syslog-close");
        closing.setDaemon(true);
        closing.start();
        try {
            closing.join(drainMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
