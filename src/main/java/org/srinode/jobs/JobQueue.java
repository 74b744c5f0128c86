package org.srinode.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.srinode.db.Schema;
import org.srinode.db.Tx;

/**
 * The durable hand-off between stages: jobs live in the database, so a restart resumes them and a
 * failure is retried with exponential backoff until the attempt limit, then marked DEAD.
 */
@ApplicationScoped
public class JobQueue {
    private final DataSource ds;

    /** The node's queue: {@code schema} is a dependency so the tables exist before any timer claims a job. */
    @Inject
    public JobQueue(DataSource ds, Schema schema) {
        this.ds = ds;
        schema.ready();
    }

    /** A queue on a database whose schema the caller created. */
    public JobQueue(DataSource ds) {
        this.ds = ds;
    }

    /** How long a stage's poll waits for a job of its kind to be enqueued in this process before it polls again. */
    public static final Duration HAND_OFF_WAIT = Duration.ofSeconds(2);

    /** Per job kind: how many enqueues this process has seen (waiters in {@link #claimDueOrWait} watch it change). */
    private static final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicLong> ENQUEUED =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static java.util.concurrent.atomic.AtomicLong counter(String kind) {
        return ENQUEUED.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicLong());
    }

    /** Tells the stage of {@code kind} in this process that a job may be due now. */
    /**
     * Wakes this process' waiters for jobs of {@code kind} after a transaction outside this class made one due (an
     * operator's action, say), so the stage starts it without waiting for its polling period.
     */
    public static void wakeAfterCommit(String kind) {
        wake(kind);
    }

    private static void wake(String kind) {
        java.util.concurrent.atomic.AtomicLong n = counter(kind);
        synchronized (n) {
            n.incrementAndGet();
            n.notifyAll();
        }
    }

    /**
     * Claims due jobs; when there is none, waits up to {@code wait} for a job of that kind to be enqueued
     * in this process and claims it at once (the hand-off between stages of one node costs no polling
     * period; the caller's own polling still finds jobs enqueued by other nodes). The enqueuing
     * transaction may not have committed when the waiter wakes, so a wake-up is followed by a few
     * short retries.
     *
     * @return the claimed jobs, empty when none became due within {@code wait}
     */
    public List<Job> claimDueOrWait(String kind, int limit, Duration wait) throws InterruptedException {
        return claimDueOrWait(kind, limit, null, wait);
    }

    /** {@link #claimDueOrWait(String, int, Duration)} with an ordering rule (see {@link #claimDue(String, int, String)}). */
    public List<Job> claimDueOrWait(String kind, int limit, String waitWhile, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        java.util.concurrent.atomic.AtomicLong n = counter(kind);
        while (true) {
            long seen = n.get();
            List<Job> jobs = claimDue(kind, limit, waitWhile);
            if (!jobs.isEmpty()) {
                return jobs;
            }
            synchronized (n) {
                while (n.get() == seen) {
                    long left = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return jobs;
                    }
                    n.wait(left);
                }
            }
            for (int retry = 0; retry < 4; retry++) {
                Thread.sleep(10L << retry);
                jobs = claimDue(kind, limit, waitWhile);
                if (!jobs.isEmpty()) {
                    return jobs;
                }
            }
        }
    }

    /**
     * Adds a job inside the caller's transaction; a second one for the same kind/series/generation is
     * ignored and the existing row keeps its state, attempts and history (a job re-run after a restart
     * must not send a DONE delivery again, nor revive a CANCELLED one).
     */
    public static void enqueue(Connection c, String kind, String seriesUid, int generation) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO job (kind, series_uid, generation, state, attempts, next_attempt_at, created_at, updated_at) "
                        + "SELECT ?, ?, ?, 'PENDING', 0, ?, ?, ? WHERE NOT EXISTS "
                        + "(SELECT 1 FROM job WHERE kind = ? AND series_uid = ? AND generation = ?)")) {
            ps.setString(1, kind);
            ps.setString(2, seriesUid);
            ps.setInt(3, generation);
            ps.setTimestamp(4, now);
            ps.setTimestamp(5, now);
            ps.setTimestamp(6, now);
            ps.setString(7, kind);
            ps.setString(8, seriesUid);
            ps.setInt(9, generation);
            ps.executeUpdate();
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) {   // a concurrent insert of the same job won: it exists, as wanted
                throw e;
            }
        }
        wake(kind);
    }

    /** Adds a job in its own transaction (ignored when it exists already). */
    public void enqueue(String kind, String seriesUid, int generation) {
        Tx.run(ds, c -> {
            enqueue(c, kind, seriesUid, generation);
            return null;
        });
    }

    /** Claims up to {@code limit} due jobs of a kind (state RUNNING until finished). */
    public List<Job> claimDue(String kind, int limit) {
        return claimDue(kind, limit, null);
    }

    /**
     * Claims up to {@code limit} due jobs of a kind, oldest first, leaving for later a job that must not
     * run while another one runs (an ordering rule of its stage). The jobs are claimed one by one in one
     * transaction, so a rule also holds between the jobs of one claim.
     *
     * @param waitWhile an SQL condition over the candidate job, alias {@code j} (for example
     *                  {@code EXISTS (SELECT 1 FROM job r WHERE r.state = 'RUNNING' AND ...)}); a due job for which it
     *                  holds stays PENDING; null: no rule
     */
    public List<Job> claimDue(String kind, int limit, String waitWhile) {
        return Tx.run(ds, c -> {
            List<Job> jobs = new ArrayList<>();
            String sql = "SELECT * FROM job j WHERE j.kind = ? AND j.state = 'PENDING' AND j.next_attempt_at <= ?"
                    + (waitWhile == null ? "" : " AND NOT (" + waitWhile + ")") + " ORDER BY j.id LIMIT 1 FOR UPDATE";
            Timestamp now = Timestamp.from(Instant.now());
            while (jobs.size() < limit) {
                Job next = null;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, kind);
                    ps.setTimestamp(2, now);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            next = map(rs);
                        }
                    }
                }
                if (next == null) {
                    break;
                }
                setState(c, next.id(), "RUNNING");
                jobs.add(next);
            }
            return jobs;
        });
    }

    /**
     * Ends a job that must not run (again) because what it would do is obsolete, for example a delivery of a
     * series a later generation withdrew: state CANCELLED with the reason in last_error.
     */
    public void cancel(long id, String reason) {
        Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = 'CANCELLED', last_error = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, reason.length() > 2000 ? reason.substring(0, 2000) : reason);
                ps.setTimestamp(2, Timestamp.from(Instant.now()));
                ps.setLong(3, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The job finished; a job cancelled while it ran stays CANCELLED (that decision stands). */
    public void succeeded(long id) {
        Tx.run(ds, c -> {
            // a job asked to run again while it ran (enqueueOrRunAgain) is due again instead of done
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = CASE WHEN run_again THEN 'PENDING' ELSE 'DONE' END, "
                    + "attempts = CASE WHEN run_again THEN 0 ELSE attempts END, next_attempt_at = ?, run_again = FALSE, updated_at = ? "
                    + "WHERE id = ? AND state <> 'CANCELLED'")) {
                Timestamp now = Timestamp.from(Instant.now());
                ps.setTimestamp(1, now);
                ps.setTimestamp(2, now);
                ps.setLong(3, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Enqueues a job, or, when this job exists already, has it run again: one that is done, dead or cancelled becomes due
     * now with its attempts reset; one that is running is marked to run again once it has finished (never twice at once);
     * one that is pending stays as it is. For work whose effect depends on the state when it runs, such as a FHIR
     * publication that withdraws a series: each withdrawal must be published, also a second one in the same generation.
     */
    public static void enqueueOrRunAgain(Connection c, String kind, String seriesUid, int generation) throws SQLException {
        enqueue(c, kind, seriesUid, generation);
        Timestamp now = Timestamp.from(Instant.now());
        try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = CASE WHEN state = 'RUNNING' THEN state ELSE 'PENDING' END, "
                + "run_again = CASE WHEN state = 'RUNNING' THEN TRUE ELSE run_again END, "
                + "attempts = CASE WHEN state = 'RUNNING' THEN attempts ELSE 0 END, "
                + "next_attempt_at = CASE WHEN state = 'RUNNING' THEN next_attempt_at ELSE ? END, updated_at = ? "
                + "WHERE kind = ? AND series_uid = ? AND generation = ? AND state IN ('DONE', 'DEAD', 'CANCELLED', 'RUNNING')")) {
            ps.setTimestamp(1, now);
            ps.setTimestamp(2, now);
            ps.setString(3, kind);
            ps.setString(4, seriesUid);
            ps.setInt(5, generation);
            ps.executeUpdate();
        }
    }

    /** The job as it is now. */
    public Optional<Job> find(long id) {
        return Tx.run(ds, c -> find(c, id));
    }

    /** Records a failure under the kind's retry policy; returns the job as it now is (DEAD once its attempts are spent). */
    public Job failed(long id, String error, RetryPolicy retry) {
        return failed(id, error, Math.max(1, retry.maxAttempts()), retry.initialBackoff(), retry.maxBackoff());
    }

    /** Records a failure; returns the job as it now is (DEAD once {@code maxAttempts} is reached). */
    public Job failed(long id, String error, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        return Tx.run(ds, c -> {
            Job j = find(c, id).orElseThrow();
            if ("CANCELLED".equals(j.state())) {
                return j;   // cancelled while it ran: that decision stands
            }
            int attempts = j.attempts() + 1;
            boolean dead = attempts >= maxAttempts;
            long backoffMs = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(20, attempts - 1));
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = ?, attempts = ?, next_attempt_at = ?, "
                    + "last_error = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, dead ? "DEAD" : "PENDING");
                ps.setInt(2, attempts);
                ps.setTimestamp(3, Timestamp.from(Instant.now().plusMillis(backoffMs)));
                ps.setString(4, error == null ? "" : error.length() > 2000 ? error.substring(0, 2000) : error);
                ps.setTimestamp(5, Timestamp.from(Instant.now()));
                ps.setLong(6, id);
                ps.executeUpdate();
            }
            return find(c, id).orElseThrow();
        });
    }

    /**
     * An operator runs a job that failed for good again (issue 12): DEAD becomes PENDING with no attempts and due
     * now; the last error is kept, prefixed with who requeued it.
     *
     * @return the job as it now is, or empty when there is no such job
     * @throws IllegalStateException when the job is not DEAD
     */
    public Optional<Job> requeue(long id, String user) {
        return Tx.run(ds, c -> {
            Optional<Job> j;
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM job WHERE id = ? FOR UPDATE")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    j = rs.next() ? Optional.of(map(rs)) : Optional.empty();
                }
            }
            if (j.isEmpty()) {
                return j;
            }
            if (!"DEAD".equals(j.get().state())) {
                throw new IllegalStateException("job " + id + " is " + j.get().state() + ", not DEAD");
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = 'PENDING', attempts = 0, next_attempt_at = ?, "
                    + "last_error = ?, updated_at = ? WHERE id = ? AND state = 'DEAD'")) {
                Timestamp now = Timestamp.from(Instant.now());
                String error = "requeued by " + user + " after: " + j.get().lastError();
                ps.setTimestamp(1, now);
                ps.setString(2, error.length() > 2000 ? error.substring(0, 2000) : error);
                ps.setTimestamp(3, now);
                ps.setLong(4, id);
                ps.executeUpdate();
            }
            wake(j.get().kind());
            return find(c, id);
        });
    }

    public List<Job> forSeries(String seriesUid) {
        return Tx.run(ds, c -> {
            List<Job> jobs = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM job WHERE series_uid = ? ORDER BY id")) {
                ps.setString(1, seriesUid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        jobs.add(map(rs));
                    }
                }
            }
            return jobs;
        });
    }

    /** Number of jobs per state, for metrics. */
    public long count(String kind, String state) {
        return countWhere("kind = ? AND state = ?", kind, state);
    }

    /** Jobs waiting for a retry after at least one failure, for metrics. */
    public long countRetrying(String kind) {
        return countWhere("kind = ? AND state = 'PENDING' AND attempts > 0", kind);
    }

    private long countWhere(String where, String... params) {
        return Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM job WHERE " + where)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setString(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static void setState(Connection c, long id, String state) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, state);
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            ps.setLong(3, id);
            ps.executeUpdate();
        }
    }

    private static Optional<Job> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM job WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static Job map(ResultSet rs) throws SQLException {
        return new Job(rs.getLong("id"), rs.getString("kind"), rs.getString("series_uid"), rs.getInt("generation"),
                rs.getString("state"), rs.getInt("attempts"), rs.getTimestamp("next_attempt_at").toInstant(),
                rs.getString("last_error"));
    }
}
