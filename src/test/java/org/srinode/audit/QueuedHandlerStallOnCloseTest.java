package org.srinode.audit;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Shutting down while the audit repository does not read: the send under way is blocked in a socket write (which
 * ignores interrupts) and the syslog handler's close takes the lock that send holds. close() must still return within
 * a few seconds; before, it cancelled the stall watch first and then waited for the handler's close for ever, holding
 * the node's shutdown.
 */
class QueuedHandlerStallOnCloseTest {
    @Test
    void aSendBlockedAtShutdownDoesNotHoldCloseForEver() {
        CountDownLatch unblocked = new CountDownLatch(1);
        CountDownLatch sending = new CountDownLatch(1);
        ReentrantLock lock = new ReentrantLock(); // as SyslogHandler's: doPublish and close both take it
        Handler target = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lock.lock();
                try {
                    sending.countDown();
                    while (true) { // a write the repository does not read: ends only when the socket is closed
                        try {
                            unblocked.await();
                            break;
                        } catch (InterruptedException e) {
                            // a blocking socket write ignores interrupts
                        }
                    }
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {
                lock.lock();
                lock.unlock();
            }
        };
        QueuedHandler q = new QueuedHandler(target, 10, 500, 1000, unblocked::countDown);
        q.publish(new LogRecord(Level.INFO, "stop"));
        assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            sending.await();
            q.close(); // drain 0.5 s, stall limit 1 s: should be over within a few seconds
        });
    }
}
