package org.srinode.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.srinode.db.Schema;

class JobQueueTest {
    private JobQueue queue() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        new Schema(ds);
        try (Connection c = ds.getConnection()) {
            JobQueue.enqueue(c, "FORWARD", "1.2.3", 1);
            JobQueue.enqueue(c, "FORWARD", "1.2.3", 1); // same generation: ignored
        }
        return new JobQueue(ds);
    }

    @Test
    void failuresBackOffExponentiallyThenTheJobIsDead() throws Exception {
        JobQueue q = queue();
        Job j = q.claimDue("FORWARD", 10).get(0);
        assertThat(q.claimDue("FORWARD", 10)).as("a running job is not claimed twice").isEmpty();
        Instant before = Instant.now();
        Job f1 = q.failed(j.id(), "down", 3, Duration.ofSeconds(10), Duration.ofSeconds(15));
        assertThat(f1.state()).isEqualTo("PENDING");
        assertThat(f1.nextAttemptAt()).isBetween(before.plusSeconds(9), before.plusSeconds(11));
        Job f2 = q.failed(j.id(), "down", 3, Duration.ofSeconds(10), Duration.ofSeconds(15));
        assertThat(f2.nextAttemptAt()).as("doubled, capped").isBetween(before.plusSeconds(14), before.plusSeconds(16));
        assertThat(q.claimDue("FORWARD", 10)).as("not due yet").isEmpty();
        Job f3 = q.failed(j.id(), "still down", 3, Duration.ofSeconds(10), Duration.ofSeconds(15));
        assertThat(f3.state()).isEqualTo("DEAD");
        assertThat(f3.lastError()).isEqualTo("still down");
        assertThat(q.count("FORWARD", "DEAD")).isEqualTo(1);
    }

    @Test
    void aJobCancelledWhileItRunsStaysCancelledAndOnlyADeadJobIsRequeued() throws Exception {
        JobQueue q = queue();
        Job j = q.claimDue("FORWARD", 10).get(0);
        q.cancel(j.id(), "superseded");
        q.succeeded(j.id());
        assertThat(q.find(j.id()).orElseThrow().state()).isEqualTo("CANCELLED");
        assertThat(q.failed(j.id(), "late failure", 3, Duration.ofSeconds(1), Duration.ofSeconds(1)).state()).isEqualTo("CANCELLED");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.requeue(j.id(), "otto")).hasMessageContaining("not DEAD");
        assertThat(q.requeue(999, "otto")).isEmpty();
    }

    @Test
    void successIsRecorded() throws Exception {
        JobQueue q = queue();
        Job j = q.claimDue("FORWARD", 10).get(0);
        q.succeeded(j.id());
        assertThat(q.forSeries("1.2.3")).extracting(Job::state).containsExactly("DONE");
    }

    @Test
    void aWaitingStageClaimsAJobAsSoonAsItIsEnqueued() throws Exception {
        JobQueue q = queue();
        assertThat(q.claimDue("FORWARD", 10)).hasSize(1);
        // another stage enqueues an ASSESS job in its own transaction while this one waits: the waiter claims it
        // then, not at the end of the wait (after the wait it would return nothing: it does not poll again)
        Thread other = new Thread(() -> {
            try {
                Thread.sleep(200);
                q.enqueue("ASSESS", "1.2.4", 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        java.util.List<Job> got = q.claimDueOrWait("ASSESS", 4, Duration.ofSeconds(60));
        other.join();
        assertThat(got).extracting(Job::seriesUid).containsExactly("1.2.4");
        assertThat(q.claimDueOrWait("ASSESS", 4, Duration.ofMillis(100))).as("nothing else due: empty after the wait").isEmpty();
    }

    @Test
    void enqueueingAJobThatExistsLeavesItAsItIs() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        new Schema(ds);
        JobQueue q = new JobQueue(ds);
        q.enqueue("FORWARD", "1.2.5", 1);
        Job j = q.claimDue("FORWARD", 10).get(0);
        q.succeeded(j.id());
        // a stage re-run after a restart enqueues the same delivery again: it must not be sent a second time
        q.enqueue("FORWARD", "1.2.5", 1);
        assertThat(q.forSeries("1.2.5")).extracting(Job::state).containsExactly("DONE");
        assertThat(q.claimDue("FORWARD", 10)).isEmpty();
    }
}
