package org.srinode.security;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Events per key (a user name, an address) within the last {@link #window}: what the rate limits of logins and sign-in
 * callbacks count. At most {@link #maxKeys} keys are tracked; beyond, the record starts afresh, so that a spray of
 * made-up keys cannot grow it without bound. Thread-safe.
 */
final class SlidingWindow {
    private final Duration window;
    private final int maxKeys;
    private final Map<String, Deque<Instant>> events = new ConcurrentHashMap<>();

    SlidingWindow(Duration window, int maxKeys) {
        this.window = window;
        this.maxKeys = maxKeys;
    }

    /** Records one event for {@code key} now. */
    void record(String key) {
        if (events.size() >= maxKeys) {
            events.clear();
        }
        Deque<Instant> e = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (e) {
            e.addLast(Instant.now());
        }
    }

    /** Whether {@code key} has at least {@code max} events within the window. */
    boolean reached(String key, int max) {
        Deque<Instant> e = events.get(key);
        if (e == null) {
            return false;
        }
        synchronized (e) {
            Instant since = Instant.now().minus(window);
            while (!e.isEmpty() && e.peekFirst().isBefore(since)) {
                e.removeFirst();
            }
            return e.size() >= max;
        }
    }

    /** Forgets {@code key}'s events. */
    void forget(String key) {
        events.remove(key);
    }
}
