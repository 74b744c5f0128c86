package org.srinode.security;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A gate that opens at most once per interval, across threads: for a warning that would otherwise be logged with
 * every request (one per minute says the same).
 */
final class OncePerInterval {
    private final Duration interval;
    private final AtomicReference<Instant> last = new AtomicReference<>(Instant.EPOCH);

    OncePerInterval(Duration interval) {
        this.interval = interval;
    }

    /** True for the first caller once {@code interval} has passed since the gate last opened; false otherwise. */
    boolean open() {
        Instant before = last.get();
        Instant now = Instant.now();
        return before.plus(interval).isBefore(now) && last.compareAndSet(before, now);
    }
}
