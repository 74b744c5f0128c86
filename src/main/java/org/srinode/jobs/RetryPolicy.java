package org.srinode.jobs;

import java.time.Duration;

/**
 * How a kind of job is retried after a failure (a configuration group: each stage's mapping holds one under its own
 * prefix, with its defaults in application.properties, e.g. {@code sri.forward.max-attempts}). The wait after the
 * n-th failure is {@code initialBackoff * 2^(n-1)}, at most {@code maxBackoff}; after {@code maxAttempts} failures the
 * job is DEAD (an operator can requeue it).
 */
public interface RetryPolicy {
    /** Attempts before the job is DEAD, at least 1. */
    int maxAttempts();

    /** Wait after the first failure. */
    Duration initialBackoff();

    /** Longest wait between attempts. */
    Duration maxBackoff();
}
