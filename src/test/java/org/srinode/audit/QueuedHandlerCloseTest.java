package org.srinode.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Closing while a healthy but slow send is under way at the end of the drain time: the record in flight finishes, the
 * connection is not reset (onStall, SyslogTls.abort with SO_LINGER 0, would discard what the socket still buffers).
 * Failed once close() ran onStall as soon as the drain time was over.
 */
class QueuedHandlerCloseTest {
    @Test
    void aSlowButHealthySendIsNotAbortedAtClose() throws Exception {
        AtomicBoolean reset = new AtomicBoolean();
        AtomicInteger delivered = new AtomicInteger();
        AtomicInteger taken = new AtomicInteger();
        AtomicInteger stalls = new AtomicInteger();
        Handler target = new Handler() {
            @Override
            public void publish(LogRecord r) {
                taken.incrementAndGet();
                long end = System.nanoTime() + 300_000_000L; // 0.3 s a record: slow, never stalled (limit 5 s)
                while (System.nanoTime() < end) { // a socket write: ignores interrupts
                    if (reset.get()) {
                        throw new IllegalStateException("connection reset");
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
                }
                delivered.incrementAndGet();
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        QueuedHandler q = new QueuedHandler(target, 100, 1000, 5000, () -> {
            stalls.incrementAndGet();
            reset.set(true);
        });
        for (int i = 0; i < 20; i++) {
            q.publish(new LogRecord(Level.INFO, "m" + i));
        }
        Thread.sleep(100);
        q.close();
        Thread.sleep(500);
        assertThat(stalls.get())
                .as("onStall (a connection reset) run at close although no send came near the stall limit")
                .isZero();
        assertThat(delivered.get())
                .as("every record the sender took was delivered (the one in flight at the drain's end included)")
                .isEqualTo(taken.get());
    }
}
