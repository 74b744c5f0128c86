package org.srinode.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.srinode.db.Database;

/** Every state change JobQueue makes is one of {@link JobState}'s table; the database refuses unknown states and kinds. */
class JobStateTest {
    @Test
    void everyChangeTheQueueMakesIsInTheTableAndUnknownValuesAreRefused() throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.h2();
        new Database(ds);
        JobQueue a = new JobQueue(ds, "a", Duration.ofMillis(100));
        JobQueue b = new JobQueue(ds, "b", Duration.ofMinutes(5));
        List<String> changes = new ArrayList<>();
        a.enqueue(JobKind.FORWARD, "1.2.3", 1);
        long id = a.forSeries("1.2.3").get(0).id();
        Runnable[] steps = {
            () -> a.claimDue(JobKind.FORWARD, 1), // PENDING -> RUNNING
            () -> a.failed(id, "down", 5, Duration.ZERO, Duration.ZERO), // RUNNING -> PENDING
            () -> a.claimDue(JobKind.FORWARD, 1),
            () -> sleep(150),
            () -> b.claimDue(JobKind.FORWARD, 1), // RUNNING -> RUNNING (lease taken over)
            () -> b.succeeded(id), // RUNNING -> DONE
            () -> tx(ds, c -> JobQueue.enqueueOrRunAgain(c, JobKind.FORWARD, "1.2.3", 1)), // DONE -> PENDING
            () -> b.claimDue(JobKind.FORWARD, 1),
            () -> b.failed(id, "gone", 1, Duration.ZERO, Duration.ZERO), // RUNNING -> DEAD
            () -> b.requeue(id, "otto"), // DEAD -> PENDING
            () -> b.cancel(id, "withdrawn"), // PENDING -> CANCELLED
            () -> tx(ds, c -> JobQueue.enqueueOrRunAgain(c, JobKind.FORWARD, "1.2.3", 1)), // CANCELLED -> PENDING
            () -> b.claimDue(JobKind.FORWARD, 1),
            () -> b.cancel(id, "withdrawn while it ran"), // RUNNING -> CANCELLED
            () -> tx(
                    ds,
                    c -> JobQueue.runAgain(
                            c, JobKind.FORWARD, "1.2.3", 1, "released")), // CANCELLED -> PENDING (operator)
            () -> tx(
                    ds,
                    c -> JobQueue.cancelPending(
                            c, "1.2.3", List.of(JobKind.FORWARD), "superseded")), // PENDING -> CANCELLED
            () -> tx(ds, c -> JobQueue.runAgain(c, JobKind.FORWARD, "1.2.3", null, "re-run")), // every generation
            () -> b.claimDue(JobKind.FORWARD, 1),
            () -> b.succeeded(id),
            () -> tx(
                    ds, c -> JobQueue.runAgain(c, JobKind.FORWARD, "1.2.3", 1, "re-run")), // DONE -> PENDING (operator)
        };
        JobState before = state(b, id);
        for (Runnable step : steps) {
            step.run();
            JobState after = state(b, id);
            changes.add(before + " -> " + after);
            if (after != before || after == JobState.RUNNING) {
                assertThat(before.mayBecome(after) || after == before)
                        .as(before + " -> " + after)
                        .isTrue();
            }
            before = after;
        }
        assertThat(changes)
                .contains(
                        "PENDING -> RUNNING",
                        "RUNNING -> PENDING",
                        "RUNNING -> DONE",
                        "DONE -> PENDING",
                        "RUNNING -> DEAD",
                        "DEAD -> PENDING",
                        "PENDING -> CANCELLED",
                        "CANCELLED -> PENDING",
                        "RUNNING -> CANCELLED");
        assertThat(b.find(id).orElseThrow().attempts()).isGreaterThanOrEqualTo(0);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> s.executeUpdate("UPDATE job SET state = 'DOEN' WHERE id = " + id))
                    .hasMessageContaining("JOB_STATE_KNOWN");
            // the API takes a JobKind; the database refuses any other kind written past it
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate(
                            "INSERT INTO job (kind, series_uid, generation, state, attempts, next_attempt_at, created_at,"
                                    + " updated_at) VALUES ('FORWRAD', '1.2.3', 9, 'PENDING', 0, CURRENT_TIMESTAMP,"
                                    + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
                    .hasMessageContaining("JOB_KIND_KNOWN");
        }
    }

    private static JobState state(JobQueue q, long id) {
        return q.find(id).orElseThrow().state();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Work {
        void run(Connection c) throws java.sql.SQLException;
    }

    private static void tx(JdbcDataSource ds, Work w) {
        try (Connection c = ds.getConnection()) {
            w.run(c);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
