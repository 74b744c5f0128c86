package org.srinode.series;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.srinode.jobs.JobKind;

/** The completion rule on its own, without a database (SeriesAssemblerTest runs it in one). */
class CompletionPolicyTest {
    private final CompletionPolicy policy = new CompletionPolicy(Duration.ofSeconds(10), Duration.ofMinutes(10), true);
    private final Instant now = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void aSeriesIsCompleteAfterTheIdleTimeout() {
        Instant first = now.minusSeconds(60);
        assertThat(policy.isDue(first, now.minusSeconds(9), now)).isFalse();
        assertThat(policy.isDue(first, now.minusSeconds(10), now)).isTrue();
        assertThat(policy.isDue(first, now.minusSeconds(11), now)).isTrue();
    }

    @Test
    void aSeriesThatNeverPausesIsCompleteAtTheCap() {
        Instant last = now.minusSeconds(1); // still receiving
        assertThat(policy.isDue(now.minus(Duration.ofMinutes(9)), last, now)).isFalse();
        assertThat(policy.isDue(now.minus(Duration.ofMinutes(10)), last, now)).isTrue();
    }

    @Test
    void originalsAreForwardedOnlyWhenConfigured() {
        assertThat(policy.jobsOnCompletion()).containsExactly(JobKind.FORWARD, JobKind.ASSESS);
        assertThat(new CompletionPolicy(Duration.ofSeconds(10), Duration.ofMinutes(10), false).jobsOnCompletion())
                .containsExactly(JobKind.ASSESS);
    }

    @Test
    void theDatabaseConditionUsesTheSameTwoThresholds() {
        assertThat(CompletionPolicy.dueCondition("s."))
                .isEqualTo("s.state = 'RECEIVING' AND (s.last_received_at <= ? OR s.first_received_at <= ?)");
        assertThat(policy.idleBefore(now)).isEqualTo(now.minusSeconds(10));
        assertThat(policy.capBefore(now)).isEqualTo(now.minus(Duration.ofMinutes(10)));
    }
}
