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
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.db.Database;
import org.srinode.db.Sql;
import org.srinode.db.Tx;

/**
 * The durable hand-off between stages: jobs live in the database, so a restart resumes them and a
 * failure is retried with exponential backoff until the attempt limit, then marked DEAD.
 *
 * <p>Several nodes may share the queue (issue 14, PostgreSQL): a job is claimed with {@code SELECT ... FOR UPDATE SKIP
 * LOCKED}, so two nodes never claim the same one, and carries the claiming node ({@code claimed_by}) and a lease
 * ({@code lease_until}) that the node renews every third of {@code sri.jobs.lease} while it runs. A RUNNING job whose
 * lease has expired (its node died, or lost the database for longer than the lease) is claimed again by any node, with
 * the expiry counted as a failed attempt; the late result of the node that lost it is not recorded. A node that starts
 * again makes its own RUNNING jobs due at once.
 *
 * <p>Longer than the project's 300 lines on purpose: every change to table {@code job} (enqueue, claim, lease, result,
 * re-run, cancel) is made here, so the state changes can be read against {@link JobState}'s table in one file (other
 * packages only read it: the series package's operator checks, the stages' ordering rules). The node's name and
 * heartbeat are {@link NodeRegistration}'s.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // its checks (lease, node name) run at start-up: a refused start stops the node
public class JobQueue {
    private static final Logger LOG = Logger.getLogger(JobQueue.class);

    private final DataSource ds;
    private final String nodeId;
    private final Duration lease;
    private final NodeRegistration registration;
    private java.util.concurrent.ScheduledExecutorService renewer;

    /**
     * The node's queue: {@code db} is a dependency so the tables exist before any timer claims a job.
     *
     * @param nodeId   {@code sri.node.id} ({@code SRI_NODE_ID}): this node's name in {@code claimed_by}; default host
     *                 name and HTTP port, which differ between the nodes sharing a database
     * @param httpPort {@code quarkus.http.port}, for the default node name
     * @param lease    {@code sri.jobs.lease}: how long a claim holds without renewal
     */
    @Inject
    public JobQueue(
            Database db,
            @ConfigProperty(name = "sri.node.id") Optional<String> nodeId,
            @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int httpPort,
            @ConfigProperty(name = "sri.jobs.lease", defaultValue = "30s") Duration lease) {
        this(db.dataSource(), nodeId.filter(n -> !n.isBlank()).orElseGet(() -> hostName() + ":" + httpPort), lease);
        if (lease.compareTo(MIN_LEASE) < 0) {
            throw new IllegalArgumentException(
                    "sri.jobs.lease (SRI_JOBS_LEASE) is " + lease.toMillis() + " ms: give at least "
                            + MIN_LEASE.toSeconds()
                            + " s (a node renews its leases every third of it; shorter, other nodes would take over jobs that are still running)");
        }
        registration.register(true);
        int resumed = resumeOwnJobs();
        if (resumed > 0) {
            LOG.infof("%d job(s) this node (%s) was running when it stopped are due again", resumed, this.nodeId);
        }
        renewer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sri-job-lease");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, lease.toMillis() / 3);
        renewer.scheduleWithFixedDelay(
                () -> {
                    try {
                        renewLeases();
                    } catch (RuntimeException e) {
                        LOG.warnf("cannot renew the leases of this node's running jobs: %s", e.getMessage());
                    }
                },
                every,
                every,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** The shortest lease the node accepts from its configuration. */
    public static final Duration MIN_LEASE = Duration.ofSeconds(5);

    /** A queue on a database whose schema the caller created, for one node named "node" with a 30 s lease. */
    public JobQueue(DataSource ds) {
        this(ds, "node", Duration.ofSeconds(30));
    }

    /** A queue on a database whose schema the caller created, claiming as {@code nodeId} with leases of {@code lease}. */
    public JobQueue(DataSource ds, String nodeId, Duration lease) {
        this.ds = ds;
        this.nodeId = nodeId.length() > 128 ? nodeId.substring(0, 128) : nodeId;
        this.lease = lease;
        this.registration = new NodeRegistration(ds, this.nodeId, lease);
    }

    /** At shutdown, while the connection pool is still open (a @PreDestroy ran after it had closed). */
    void stop(@jakarta.enterprise.event.Observes io.quarkus.runtime.ShutdownEvent event) {
        if (renewer != null) {
            renewer.shutdownNow();
            try {
                int handed = handBackRunningJobs();
                if (handed > 0) {
                    LOG.infof(
                            "%d running job(s) handed back at this stop: another node runs them at once, no attempt counted",
                            handed);
                }
            } catch (RuntimeException e) {
                LOG.warnf(
                        "running jobs not handed back at shutdown (another node takes them once their lease expires): %s",
                        e.getMessage());
            }
            registration.release();
        }
    }

    /**
     * A clean stop (a rollout, a scale-down, a drained host): this node's RUNNING jobs become due again at once, without
     * counting an attempt, so that stopping workers never uses up a series' attempts and no one waits for the lease. A
     * result this process still records afterwards is not taken (the job is no longer RUNNING under its claim). Nothing is
     * handed back by a process whose name another one has taken over: those jobs are the other one's now.
     *
     * @return how many jobs were handed back
     */
    public int handBackRunningJobs() {
        return Tx.run(ds, c -> registration.current(c) ? resumeOwn(c) : 0);
    }

    /**
     * Registers this process under its node name (see {@link NodeRegistration}; the node does it at start-up, a test or
     * a tool may): a process with a name that another running process holds is refused.
     *
     * @throws IllegalStateException when another running process uses this node name
     */
    public void register() {
        registration.register(false);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "sri-node");
        }
    }

    /** This node's name in {@code claimed_by}. */
    public String nodeId() {
        return nodeId;
    }

    /**
     * Extends the lease of every job this node is running to {@code sri.jobs.lease} from now (the node's timer calls it
     * every third of the lease).
     *
     * @return how many leases were renewed
     */
    public int renewLeases() {
        return Tx.run(ds, c -> {
            if (!registration.heartbeat(c)) {
                return 0; // this process was supplanted under its name: it stops and renews nothing
            }
            // rows another transaction holds are skipped, not waited for: that transaction is completing the job (e.g.
            // the enhancement's registration, which locks the series, then its job, then other jobs of the series: a
            // renewal that waited on it while holding those would deadlock); the next renewal, a third of a lease
            // later, covers a job it skipped that is still running
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id FROM job WHERE state = 'RUNNING' AND claimed_by = ? FOR UPDATE SKIP LOCKED")) {
                ps.setString(1, nodeId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET lease_until = ? WHERE id = ?")) {
                Timestamp until = Timestamp.from(Instant.now().plus(lease));
                for (long id : ids) {
                    ps.setTimestamp(1, until, Sql.utc());
                    ps.setLong(2, id);
                    ps.addBatch();
                }
                if (!ids.isEmpty()) {
                    ps.executeBatch();
                }
            }
            return ids.size();
        });
    }

    /**
     * Makes the jobs this node was running when it stopped due again now (no lease to wait for: this node owned them).
     *
     * @return how many
     */
    public int resumeOwnJobs() {
        return Tx.run(ds, this::resumeOwn);
    }

    private int resumeOwn(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE job SET state = 'PENDING', lease_until = NULL, next_attempt_at = ?, "
                        + "updated_at = ? WHERE state = 'RUNNING' AND claimed_by = ?")) {
            Timestamp now = Timestamp.from(Instant.now());
            ps.setTimestamp(1, now, Sql.utc());
            ps.setTimestamp(2, now, Sql.utc());
            ps.setString(3, nodeId);
            return ps.executeUpdate();
        }
    }

    /** How long a stage's poll waits for a job of its kind to be enqueued in this process before it polls again. */
    public static final Duration HAND_OFF_WAIT = Duration.ofSeconds(2);

    /** Per job kind: how many enqueues this process has seen (waiters in {@link #claimDueOrWait} watch it change). */
    private static final java.util.concurrent.ConcurrentHashMap<JobKind, java.util.concurrent.atomic.AtomicLong>
            ENQUEUED = new java.util.concurrent.ConcurrentHashMap<>();

    private static java.util.concurrent.atomic.AtomicLong counter(JobKind kind) {
        return ENQUEUED.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicLong());
    }

    /**
     * Wakes this process' waiters for jobs of {@code kind} after a transaction outside this class made one due (an
     * operator's action, say), so the stage starts it without waiting for its polling period.
     */
    public static void wakeAfterCommit(JobKind kind) {
        wake(kind);
    }

    private static void wake(JobKind kind) {
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
    public List<Job> claimDueOrWait(JobKind kind, int limit, Duration wait) throws InterruptedException {
        return claimDueOrWait(kind, limit, null, wait);
    }

    /** {@link #claimDueOrWait(JobKind, int, Duration)} with an ordering rule (see {@link #claimDue(JobKind, int, String)}). */
    public List<Job> claimDueOrWait(JobKind kind, int limit, String waitWhile, Duration wait)
            throws InterruptedException {
        return claimDueOrWait(kind, limit, waitWhile, wait, Integer.MAX_VALUE);
    }

    /**
     * {@link #claimDueOrWait(JobKind, int, String, Duration)} under the kind's attempt limit: a job whose lease expired for the
     * last allowed time (its node died each time it ran it) becomes DEAD instead of being claimed again.
     */
    public List<Job> claimDueOrWait(JobKind kind, int limit, String waitWhile, Duration wait, int maxAttempts)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        java.util.concurrent.atomic.AtomicLong n = counter(kind);
        while (true) {
            long seen = n.get();
            List<Job> jobs = claimDue(kind, limit, waitWhile, maxAttempts);
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
                jobs = claimDue(kind, limit, waitWhile, maxAttempts);
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
    public static void enqueue(Connection c, JobKind kind, String seriesUid, int generation) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        // PostgreSQL aborts the whole transaction on an error: the insert runs under a savepoint that a lost race rolls
        // back
        java.sql.Savepoint before = c.getAutoCommit() ? null : c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO job (kind, series_uid, generation, state, attempts, next_attempt_at, created_at, updated_at) "
                        + "SELECT ?, ?, ?, 'PENDING', 0, ?, ?, ? WHERE NOT EXISTS "
                        + "(SELECT 1 FROM job WHERE kind = ? AND series_uid = ? AND generation = ?)")) {
            ps.setString(1, kind.name());
            ps.setString(2, seriesUid);
            ps.setInt(3, generation);
            ps.setTimestamp(4, now, Sql.utc());
            ps.setTimestamp(5, now, Sql.utc());
            ps.setTimestamp(6, now, Sql.utc());
            ps.setString(7, kind.name());
            ps.setString(8, seriesUid);
            ps.setInt(9, generation);
            ps.executeUpdate();
            if (before != null) {
                c.releaseSavepoint(before);
            }
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) { // a concurrent insert of the same job won: it exists, as wanted
                throw e;
            }
            if (before != null) {
                c.rollback(before);
            }
        }
        wake(kind);
    }

    /** Adds a job in its own transaction (ignored when it exists already). */
    public void enqueue(JobKind kind, String seriesUid, int generation) {
        Tx.run(ds, c -> {
            enqueue(c, kind, seriesUid, generation);
            return null;
        });
    }

    /** Claims up to {@code limit} due jobs of a kind (state RUNNING until finished). */
    public List<Job> claimDue(JobKind kind, int limit) {
        return claimDue(kind, limit, null);
    }

    /**
     * Claims up to {@code limit} due jobs of a kind, oldest first, leaving for later a job that must not
     * run while another one runs (an ordering rule of its stage). The jobs are claimed one by one in one
     * transaction, so a rule also holds between the jobs of one claim; with a rule, claims of that kind are serialised
     * over all nodes (a row lock in {@code job_claim}), so two nodes cannot both take the other's candidate as not running.
     * Due means PENDING with its next attempt now or earlier, or RUNNING with an expired lease (counted as a failed attempt).
     *
     * @param waitWhile an SQL condition over the candidate job, alias {@code j} (for example
     *                  {@code EXISTS (SELECT 1 FROM job r WHERE r.state = 'RUNNING' AND ...)}); a due job for which it
     *                  holds stays PENDING; null: no rule
     */
    public List<Job> claimDue(JobKind kind, int limit, String waitWhile) {
        return claimDue(kind, limit, waitWhile, Integer.MAX_VALUE);
    }

    /**
     * {@link #claimDue(JobKind, int, String)} under the kind's attempt limit: a RUNNING job whose lease expired and whose
     * attempts, this expiry included, reach {@code maxAttempts} becomes DEAD (an operator can requeue it) instead of being
     * claimed again, so a job that kills every node that runs it stops after that many.
     */
    public List<Job> claimDue(JobKind kind, int limit, String waitWhile, int maxAttempts) {
        List<Job> died = new ArrayList<>();
        List<Job> claimed = Tx.run(ds, c -> {
            died.clear(); // a retried transaction starts over
            List<Job> jobs = new ArrayList<>();
            if (!registration.current(c)) {
                return jobs; // another process runs under this node name now
            }
            if (waitWhile != null) {
                lockClaims(c, kind);
            }
            String sql = "SELECT * FROM job j WHERE j.kind = ? AND (j.state = 'PENDING' AND j.next_attempt_at <= ? "
                    + "OR j.state = 'RUNNING' AND j.lease_until < ?)"
                    + (waitWhile == null ? "" : " AND NOT (" + waitWhile + ")")
                    + " ORDER BY j.id LIMIT 1 FOR UPDATE SKIP LOCKED";
            Timestamp now = Timestamp.from(Instant.now());
            while (jobs.size() < limit) {
                Job next = null;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, kind.name());
                    ps.setTimestamp(2, now, Sql.utc());
                    ps.setTimestamp(3, now, Sql.utc());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            next = map(rs);
                        }
                    }
                }
                if (next == null) {
                    break;
                }
                boolean expired = next.state() == JobState.RUNNING;
                if (expired && next.attempts() + 1 >= maxAttempts) {
                    String why = "the lease of " + next.claimedBy() + " expired at " + next.leaseUntil() + ", attempt "
                            + (next.attempts() + 1) + " of " + maxAttempts
                            + " (each node that ran it stopped or lost the database): DEAD";
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE job SET state = 'DEAD', attempts = attempts + 1, lease_until = NULL, "
                                    + "last_error = ?, updated_at = ? WHERE id = ?")) {
                        ps.setString(1, truncate(why));
                        ps.setTimestamp(2, now, Sql.utc());
                        ps.setLong(3, next.id());
                        ps.executeUpdate();
                    }
                    LOG.errorf("job %d (%s of series %s): %s", next.id(), kind, next.seriesUid(), why);
                    died.add(next);
                    continue;
                }
                try (PreparedStatement ps =
                        c.prepareStatement("UPDATE job SET state = 'RUNNING', claimed_by = ?, lease_until = ?, "
                                + "attempts = attempts + ?, last_error = ?, updated_at = ? WHERE id = ?")) {
                    ps.setString(1, nodeId);
                    ps.setTimestamp(2, Timestamp.from(Instant.now().plus(lease)), Sql.utc());
                    ps.setInt(3, expired ? 1 : 0);
                    ps.setString(
                            4,
                            expired
                                    ? truncate("the lease of " + next.claimedBy() + " expired at " + next.leaseUntil()
                                            + " (the node stopped or lost the database); claimed again by " + nodeId)
                                    : next.lastError());
                    ps.setTimestamp(5, now, Sql.utc());
                    ps.setLong(6, next.id());
                    ps.executeUpdate();
                }
                if (expired) {
                    LOG.warnf(
                            "job %d (%s of series %s): the lease of %s expired at %s; this node (%s) runs it again",
                            next.id(), kind, next.seriesUid(), next.claimedBy(), next.leaseUntil(), nodeId);
                }
                jobs.add(find(c, next.id()).orElseThrow());
            }
            return jobs;
        });
        java.util.function.Consumer<Job> onDead = deadListeners.get(kind);
        for (Job d : died) {
            if (onDead != null) {
                try {
                    onDead.accept(find(d.id()).orElse(d));
                } catch (RuntimeException e) {
                    LOG.errorf(e, "job %d (%s): the report of its death failed", d.id(), kind);
                }
            }
        }
        return claimed;
    }

    /** Serialises claims of one kind over all nodes until the transaction ends (the kind's row in job_claim, made on first use). */
    private static void lockClaims(Connection c, JobKind kind) throws SQLException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE job_claim SET claims = claims + 1 WHERE kind = ?")) {
                ps.setString(1, kind.name());
                if (ps.executeUpdate() == 1) {
                    return;
                }
            }
            java.sql.Savepoint before = c.setSavepoint();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO job_claim (kind, claims) VALUES (?, 0)")) {
                ps.setString(1, kind.name());
                ps.executeUpdate();
                c.releaseSavepoint(before);
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) {
                    throw e;
                }
                c.rollback(before); // another node made the row first: lock it
            }
        }
        throw new SQLException("cannot lock the claims of job kind " + kind);
    }

    private static String truncate(String s) {
        return s == null ? null : s.length() > 2000 ? s.substring(0, 2000) : s;
    }

    /**
     * Whether this node still holds the job: RUNNING under its own claim. A node that lost its lease (another node runs
     * the job again, or has finished it) checks this before its work has effects (EnhanceStage: before it registers).
     */
    public boolean owns(long id) {
        return Tx.run(ds, c -> owned(c, id));
    }

    /**
     * Whether this node may record the result of a job, locking its row: it is RUNNING under this node's claim; not when
     * this node lost the lease (another node runs the job again, or finished it already) or the job was cancelled while it
     * ran. Logs when another node has it.
     */
    private boolean owned(Connection c, long id) throws SQLException {
        Optional<Job> j;
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM job WHERE id = ? FOR UPDATE")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                j = rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
        if (j.isEmpty() || j.get().state() == JobState.CANCELLED || !registration.current(c)) {
            return false;
        }
        if (j.get().state() != JobState.RUNNING || !nodeId.equals(j.get().claimedBy())) {
            LOG.warnf(
                    "job %d (%s of series %s) is %s, claimed by %s (this node, %s, lost its lease): this node's result is not recorded",
                    id,
                    j.get().kind(),
                    j.get().seriesUid(),
                    j.get().state(),
                    j.get().claimedBy(),
                    nodeId);
            return false;
        }
        return true;
    }

    /**
     * Ends a job this node runs that must not run (again) because what it would do is obsolete, for example a delivery
     * of a series a later generation withdrew: state CANCELLED with the reason in last_error. A job this node no longer
     * holds (its lease expired and another node took it over or finished it) is left as it is.
     *
     * @return whether it was cancelled (false: this node had lost it)
     */
    public boolean cancel(long id, String reason) {
        return Tx.run(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE job SET state = 'CANCELLED', last_error = ?, "
                    + "updated_at = ? WHERE id = ? AND state = 'RUNNING' AND claimed_by = ?")) {
                ps.setString(1, reason.length() > 2000 ? reason.substring(0, 2000) : reason);
                ps.setTimestamp(2, Timestamp.from(Instant.now()), Sql.utc());
                ps.setLong(3, id);
                ps.setString(4, nodeId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Cancels a failed job of a series that was re-opened while it ran ({@code currentGeneration} is later than the
     * job's): the failure is most likely that (a re-sent instance replaced a file the job was reading), and the later
     * generation's own job does the work on the series as it is now, so this one neither counts an attempt nor goes
     * DEAD. Nothing when the series is still at the job's generation.
     *
     * @param what   the work, for the reason and the log ("forward", "assessment", "enhancement")
     * @param reason the failure
     * @return whether the job was cancelled for that (false: same generation, or this node had lost the job; then the
     *     caller records the failure as usual)
     */
    public boolean cancelForLaterGeneration(Job job, int currentGeneration, String what, String reason) {
        if (currentGeneration <= job.generation()) {
            return false;
        }
        boolean cancelled = cancel(
                job.id(),
                "the series was re-opened as generation " + currentGeneration + " while the " + what
                        + " of generation " + job.generation() + " ran; generation " + currentGeneration
                        + "'s own job does it; last error: " + reason);
        if (cancelled) {
            LOG.infof(
                    "series %s: %s of generation %d failed (%s) and is not retried: generation %d has its own",
                    org.srinode.dicom.Uids.shortTag(job.seriesUid()),
                    what,
                    job.generation(),
                    org.srinode.dicom.LogText.escape(reason),
                    currentGeneration);
        }
        return cancelled;
    }

    /**
     * Thrown inside a transaction whose result must not commit because this node no longer holds the job ({@link
     * #succeeded(Connection, long)} returned false): the caller's transaction rolls back.
     */
    public static final class NotHeld extends RuntimeException {
        public NotHeld(long id) {
            super("job " + id + " is no longer held by this node", null, false, false);
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<JobKind, java.util.function.Consumer<Job>> deadListeners =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Tells {@code listener} of each job of {@code kind} that a claim of this node declared DEAD because its lease
     * expired on its last attempt (every node that ran it stopped: an out-of-memory kill, say), after that commit; a job
     * that goes DEAD through {@link #failed} is its caller's to report. One listener per kind (the stage that runs it).
     */
    public void onDeadByLease(JobKind kind, java.util.function.Consumer<Job> listener) {
        deadListeners.put(kind, listener);
    }

    /** The job finished; a job cancelled while it ran stays CANCELLED (that decision stands). */
    public void succeeded(long id) {
        Tx.run(ds, c -> succeeded(c, id));
    }

    /**
     * {@link #succeeded(long)} inside the caller's transaction, so that a job's result and its completion commit together
     * (EnhanceStage: the derived series, the outcome and the DONE job; a crash in between would otherwise run the job
     * again over a result operators may already have acted on).
     *
     * @return false, changing nothing, when this node no longer holds the job (lost lease, cancelled, taken over)
     */
    public boolean succeeded(Connection c, long id) throws SQLException {
        if (!owned(c, id)) {
            return false;
        }
        // a job asked to run again while it ran (enqueueOrRunAgain) is due again instead of done
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE job SET state = CASE WHEN run_again THEN 'PENDING' ELSE 'DONE' END, "
                        + "attempts = CASE WHEN run_again THEN 0 ELSE attempts END, next_attempt_at = ?, run_again = FALSE, lease_until = NULL, "
                        + "updated_at = ? "
                        + "WHERE id = ? AND state <> 'CANCELLED'")) {
            Timestamp now = Timestamp.from(Instant.now());
            ps.setTimestamp(1, now, Sql.utc());
            ps.setTimestamp(2, now, Sql.utc());
            ps.setLong(3, id);
            ps.executeUpdate();
        }
        return true;
    }

    /**
     * Enqueues a job, or, when this job exists already, has it run again: one that is done, dead or cancelled becomes due
     * now with its attempts reset; one that is running is marked to run again once it has finished (never twice at once);
     * one that is pending stays as it is. For work whose effect depends on the state when it runs, such as a FHIR
     * publication that withdraws a series: each withdrawal must be published, also a second one in the same generation.
     */
    public static void enqueueOrRunAgain(Connection c, JobKind kind, String seriesUid, int generation)
            throws SQLException {
        enqueue(c, kind, seriesUid, generation);
        Timestamp now = Timestamp.from(Instant.now());
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE job SET state = CASE WHEN state = 'RUNNING' THEN state ELSE 'PENDING' END, "
                        + "run_again = CASE WHEN state = 'RUNNING' THEN TRUE ELSE run_again END, "
                        + "attempts = CASE WHEN state = 'RUNNING' THEN attempts ELSE 0 END, "
                        + "next_attempt_at = CASE WHEN state = 'RUNNING' THEN next_attempt_at ELSE ? END, updated_at = ? "
                        + "WHERE kind = ? AND series_uid = ? AND generation = ? AND state IN ('DONE', 'DEAD', 'CANCELLED', 'RUNNING')")) {
            ps.setTimestamp(1, now, Sql.utc());
            ps.setTimestamp(2, now, Sql.utc());
            ps.setString(3, kind.name());
            ps.setString(4, seriesUid);
            ps.setInt(5, generation);
            ps.executeUpdate();
        }
    }

    /**
     * Makes a series' jobs of one kind due now with their attempts reset (an operator's re-run or release), inside the
     * caller's transaction; the caller has checked that none of them is running.
     *
     * @param generation only that generation's job; null for every generation of the series
     * @param reason     recorded as the jobs' last error, for the page and the API
     */
    public static void runAgain(Connection c, JobKind kind, String seriesUid, Integer generation, String reason)
            throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE job SET state = 'PENDING', attempts = 0, next_attempt_at = ?, "
                        + "last_error = ?, updated_at = ? WHERE series_uid = ? AND kind = ?"
                        + (generation == null ? "" : " AND generation = ?"))) {
            ps.setTimestamp(1, now, Sql.utc());
            ps.setString(2, reason);
            ps.setTimestamp(3, now, Sql.utc());
            ps.setString(4, seriesUid);
            ps.setString(5, kind.name());
            if (generation != null) {
                ps.setInt(6, generation);
            }
            ps.executeUpdate();
        }
    }

    /**
     * Cancels a series' jobs of these kinds that have not started (PENDING to CANCELLED, the reason as last error), inside
     * the caller's transaction: work made obsolete before it ran, such as the delivery of a withdrawn series.
     */
    public static void cancelPending(Connection c, String seriesUid, List<JobKind> kinds, String reason)
            throws SQLException {
        String in = String.join(", ", java.util.Collections.nCopies(kinds.size(), "?"));
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE job SET state = 'CANCELLED', last_error = ?, updated_at = ? "
                        + "WHERE series_uid = ? AND state = 'PENDING' AND kind IN (" + in + ")")) {
            ps.setString(1, reason);
            ps.setTimestamp(2, Timestamp.from(Instant.now()), Sql.utc());
            ps.setString(3, seriesUid);
            for (int i = 0; i < kinds.size(); i++) {
                ps.setString(4 + i, kinds.get(i).name());
            }
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
            if (!owned(c, id)) {
                // cancelled while it ran: that decision stands; run again or finished by another node: its result
                // counts
                return find(c, id).orElseThrow();
            }
            Job j = find(c, id).orElseThrow();
            int attempts = j.attempts() + 1;
            boolean dead = attempts >= maxAttempts;
            long backoffMs = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(20, attempts - 1));
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE job SET state = ?, attempts = ?, next_attempt_at = ?, "
                            + "last_error = ?, lease_until = NULL, updated_at = ? WHERE id = ?")) {
                ps.setString(1, (dead ? JobState.DEAD : JobState.PENDING).name());
                ps.setInt(2, attempts);
                ps.setTimestamp(3, Timestamp.from(Instant.now().plusMillis(backoffMs)), Sql.utc());
                ps.setString(4, error == null ? "" : error.length() > 2000 ? error.substring(0, 2000) : error);
                ps.setTimestamp(5, Timestamp.from(Instant.now()), Sql.utc());
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
            if (j.get().state() != JobState.DEAD) {
                throw new IllegalStateException("job " + id + " is " + j.get().state() + ", not DEAD");
            }
            try (PreparedStatement ps =
                    c.prepareStatement("UPDATE job SET state = 'PENDING', attempts = 0, next_attempt_at = ?, "
                            + "last_error = ?, updated_at = ? WHERE id = ? AND state = 'DEAD'")) {
                Timestamp now = Timestamp.from(Instant.now());
                String error = "requeued by " + user + " after: " + j.get().lastError();
                ps.setTimestamp(1, now, Sql.utc());
                ps.setString(2, error.length() > 2000 ? error.substring(0, 2000) : error);
                ps.setTimestamp(3, now, Sql.utc());
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
    public long count(JobKind kind, JobState state) {
        return countWhere("kind = ? AND state = ?", kind.name(), state.name());
    }

    /** Jobs waiting for a retry after at least one failure, for metrics. */
    public long countRetrying(JobKind kind) {
        return countWhere("kind = ? AND state = 'PENDING' AND attempts > 0", kind.name());
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

    private static Optional<Job> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM job WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static Job map(ResultSet rs) throws SQLException {
        return new Job(
                rs.getLong("id"),
                JobKind.valueOf(rs.getString("kind")),
                rs.getString("series_uid"),
                rs.getInt("generation"),
                JobState.valueOf(rs.getString("state")),
                rs.getInt("attempts"),
                rs.getTimestamp("next_attempt_at", Sql.utc()).toInstant(),
                rs.getString("last_error"),
                rs.getString("claimed_by"),
                instant(rs.getTimestamp("lease_until", Sql.utc())));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
