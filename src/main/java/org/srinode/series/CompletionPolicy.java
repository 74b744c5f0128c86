package org.srinode.series;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.srinode.jobs.JobKind;

/**
 * When a series that is still receiving counts as complete, and what then runs. DICOM has no end-of-series message
 * over C-STORE (PS3.4 B), so the node decides: a series is complete once no instance arrived for {@code idleTimeout},
 * or once {@code cap} has passed since its first instance (a modality that never pauses). On completion it is assessed,
 * and forwarded untouched when {@code forwardOriginals}.
 *
 * <p>{@link SeriesAssembler#completeDue} applies this rule in the database ({@link #dueCondition}, with the two
 * thresholds of {@link #idleBefore} and {@link #capBefore}); {@link #isDue} is the same rule for one series in memory.
 *
 * @param idleTimeout      silence after the last instance that completes a series
 * @param cap              time after the first instance that completes a series in any case
 * @param forwardOriginals whether the acquired series itself goes to the destination
 */
public record CompletionPolicy(Duration idleTimeout, Duration cap, boolean forwardOriginals) {

    /** The policy of the node's settings ({@code SRI_SERIES_IDLE_TIMEOUT}, {@code _FORCE_COMPLETE_AFTER}, ...). */
    public static CompletionPolicy of(SeriesConfig config) {
        return new CompletionPolicy(config.idleTimeout(), config.forceCompleteAfter(), config.forwardOriginals());
    }

    /** A series whose last instance arrived at or before this is idle long enough. */
    public Instant idleBefore(Instant now) {
        return now.minus(idleTimeout);
    }

    /** A series whose first instance arrived at or before this has reached the cap. */
    public Instant capBefore(Instant now) {
        return now.minus(cap);
    }

    /** Whether a RECEIVING series with these arrival times is complete at {@code now}. */
    public boolean isDue(Instant firstReceivedAt, Instant lastReceivedAt, Instant now) {
        return !lastReceivedAt.isAfter(idleBefore(now)) || !firstReceivedAt.isAfter(capBefore(now));
    }

    /**
     * The rule as an SQL condition over table {@code series} (columns prefixed with {@code alias}, e.g. "s." or ""),
     * with two parameters: {@link #idleBefore} and {@link #capBefore}.
     */
    static String dueCondition(String alias) {
        return alias + "state = 'RECEIVING' AND (" + alias + "last_received_at <= ? OR " + alias
                + "first_received_at <= ?)";
    }

    /** The jobs a completed series gets: its assessment, and its delivery when originals are forwarded. */
    public List<JobKind> jobsOnCompletion() {
        return forwardOriginals ? List.of(JobKind.FORWARD, JobKind.ASSESS) : List.of(JobKind.ASSESS);
    }
}
