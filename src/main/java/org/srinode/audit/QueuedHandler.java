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
    private volatile boolean closed;

    /**
     * @param target      the handler that sends (a syslog handler)
     * @param capacity    records waiting at most; a record that finds the queue full is dropped
     * @param drainMillis how long {@link #close} waits for the queue to empty
     */
    QueuedHandler(Handler target, int capacity, long drainMillis) {
        this.target = target;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.drainMillis = drainMillis;
        this.sender = new Thread(this::send, "sri-audit-syslog");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void publish(LogRecord r) {
        if (!closed && isLoggable(r)) {
            queue.offer(r); // full: dropped (the local audit file has it)
        }
    }

    private void send() {
        while (!closed || !queue.isEmpty()) {
            try {
                LogRecord r = queue.poll(200, TimeUnit.MILLISECONDS);
                if (r != null) {
                    target.publish(r);
                    target.flush();
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

    /** Stops taking records, sends what is queued for up to the drain time, then closes the handler behind it. */
    @Override
    public void close() {
        closed = true;
        try {
            sender.join(drainMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        target.close();
    }
}
