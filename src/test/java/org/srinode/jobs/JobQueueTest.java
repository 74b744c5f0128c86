package org.srinode.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.srinode.db.Database;

class JobQueueTest {
    /** An empty database for one test: an in-memory H2 here; {@link JobQueueOnPostgresTest} gives a PostgreSQL one. */
    javax.sql.DataSource newDatabase() throws Exception {
        return org.srinode.db.TestDatabases.h2();
    }

    private javax.sql.DataSource ds;

    /** The retry of a job as the node's next claim would start it (without waiting for its backoff). */
    private void claimedAgain(long id) throws Exception {
        try (Connection c = ds.getConnection();
                java.sql.Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'RUNNING', claimed_by = 'node' WHERE id = " + id);
        }
    }

    private JobQueue queue() throws Exception {
        ds = newDatabase();
        new Database(ds);
        try (Connection c = ds.getConnection()) {
            JobQueue.enqueue(c, JobKind.FORWARD, "1.2.3", 1);
            JobQueue.enqueue(c, JobKind.FORWARD, "1.2.3", 1); // same generation: ignored
        }
        return new JobQueue(ds);
    }

    @Test
    void failuresBackOffExponentiallyThenTheJobIsDead() throws Exception {
        JobQueue q = queue();
        Job j = q.claimDue(JobKind.FORWARD, 10).get(0);
        assertThat(q.claimDue(JobKind.FORWARD, 10))
                .as("a running job is not claimed twice")
                .isEmpty();
        Instant before = Instant.now();
        Job f1 = q.failed(j.id(), "down", 3, Duration.ofSeconds(10), Duration.ofSeconds(15));
        assertThat(f1.state()).isEqualTo(JobState.PENDING);
        assertThat(f1.nextAttemptAt()).isBetween(before.plusSeconds(9), before.plusSeconds(11));
        assertThat(q.claimDue(JobKind.FORWARD, 10)).as("not due yet").isEmpty();
        claimedAgain(j.id());
        Job f2 = q.failed(j.id(), "down", 3, Duration.ofSeconds(10), Duration.ofSeconds(15));
        assertThat(f2.nextAttemptAt()).as("doubled, capped").isBetween(before.plusSeconds(14), before.plusSeconds(16));
        assertThat(q.failed(j.id(), "not running", 3, Duration.ofSeconds(10), Duration.ofSeconds(15))
                        .attempts())
                .as("a failure of a job this node does not run is not recorded")
                .isEqualTo(2);
        claimedAgain(j.id());
        Job f3 = q.failed(j.id(), "still down", 3, Duration.ofSeconds(10), Duration.ofSeconds(15));
        assertThat(f3.state()).isEqualTo(JobState.DEAD);
        assertThat(f3.lastError()).isEqualTo("still down");
        assertThat(q.count(JobKind.FORWARD, JobState.DEAD)).isEqualTo(1);
    }

    @Test
    void aJobCancelledWhileItRunsStaysCancelledAndOnlyADeadJobIsRequeued() throws Exception {
        JobQueue q = queue();
        Job j = q.claimDue(JobKind.FORWARD, 10).get(0);
        q.cancel(j.id(), "superseded");
        q.succeeded(j.id());
        assertThat(q.find(j.id()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(q.failed(j.id(), "late failure", 3, Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .state())
                .isEqualTo(JobState.CANCELLED);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.requeue(j.id(), "otto"))
                .hasMessageContaining("not DEAD");
        assertThat(q.requeue(999, "otto")).isEmpty();
    }

    /**
     * A job whose series was re-opened while it ran (a later generation exists) is cancelled instead of failed: no
     * attempt counted, never DEAD; at its own generation it is left to fail as usual.
     */
    @Test
    void aFailedJobOfAnEarlierGenerationIsCancelledNotCounted() throws Exception {
        JobQueue q = queue();
        Job j = q.claimDue(JobKind.FORWARD, 10).get(0);
        assertThat(q.cancelForLaterGeneration(j, j.generation(), "forward", "file gone"))
                .isFalse();
        assertThat(q.find(j.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
        assertThat(q.cancelForLaterGeneration(j, j.generation() + 1, "assessment", "file gone"))
                .isTrue();
        Job after = q.find(j.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.CANCELLED);
        assertThat(after.attempts()).isZero();
        assertThat(after.lastError())
                .contains("re-opened as generation " + (j.generation() + 1))
                .contains("assessment")
                .contains("file gone");
    }

    @Test
    void successIsRecorded() throws Exception {
        JobQueue q = queue();
        Job j = q.claimDue(JobKind.FORWARD, 10).get(0);
        q.succeeded(j.id());
        assertThat(q.forSeries("1.2.3")).extracting(Job::state).containsExactly(JobState.DONE);
    }

    @Test
    void aWaitingStageClaimsAJobAsSoonAsItIsEnqueued() throws Exception {
        JobQueue q = queue();
        assertThat(q.claimDue(JobKind.FORWARD, 10)).hasSize(1);
        // another stage enqueues an ASSESS job in its own transaction while this one waits: the waiter claims it
        // then, not at the end of the wait (after the wait it would return nothing: it does not poll again)
        Thread other = new Thread(() -> {
            try {
                Thread.sleep(200);
                q.enqueue(JobKind.ASSESS, "1.2.4", 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        java.util.List<Job> got = q.claimDueOrWait(JobKind.ASSESS, 4, Duration.ofSeconds(60));
        other.join();
        assertThat(got).extracting(Job::seriesUid).containsExactly("1.2.4");
        assertThat(q.claimDueOrWait(JobKind.ASSESS, 4, Duration.ofMillis(100)))
                .as("nothing else due: empty after the wait")
                .isEmpty();
    }

    @Test
    void enqueueingAJobThatExistsLeavesItAsItIs() throws Exception {
        ds = newDatabase();
        new Database(ds);
        JobQueue q = new JobQueue(ds);
        q.enqueue(JobKind.FORWARD, "1.2.5", 1);
        Job j = q.claimDue(JobKind.FORWARD, 10).get(0);
        q.succeeded(j.id());
        // a stage re-run after a restart enqueues the same delivery again: it must not be sent a second time
        q.enqueue(JobKind.FORWARD, "1.2.5", 1);
        assertThat(q.forSeries("1.2.5")).extracting(Job::state).containsExactly(JobState.DONE);
        assertThat(q.claimDue(JobKind.FORWARD, 10)).isEmpty();
    }

    @Test
    void aLeaseRenewalSkipsAJobAnotherTransactionHoldsInsteadOfWaitingForIt() throws Exception {
        queue();
        JobQueue a = new JobQueue(ds, "node-a", Duration.ofSeconds(30));
        Job j = a.claimDue(JobKind.FORWARD, 10).get(0);
        // a transaction completing the job holds its row (the enhancement's registration does, with other rows a
        // waiting renewal might hold: a deadlock)
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            assertThat(a.succeeded(c, j.id())).isTrue();
            long t0 = System.nanoTime();
            assertThat(a.renewLeases()).as("skipped, not waited for").isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(900));
            c.commit();
        }
        assertThat(a.find(j.id()).orElseThrow().state()).isEqualTo(JobState.DONE);
    }

    @Test
    void aJobDeclaredDeadWhenItsLastLeaseExpiredIsReportedToItsStage() throws Exception {
        queue();
        JobQueue a = new JobQueue(ds, "node-a", Duration.ofMillis(300));
        JobQueue b = new JobQueue(ds, "node-b", Duration.ofMillis(300));
        List<Job> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        b.onDeadByLease(JobKind.FORWARD, reported::add);
        Job j = a.claimDue(JobKind.FORWARD, 10, null, 1).get(0);
        Thread.sleep(400); // node-a died while running its only attempt
        assertThat(b.claimDue(JobKind.FORWARD, 10, null, 1)).isEmpty();
        assertThat(reported).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo(j.id());
            assertThat(d.state()).isEqualTo(JobState.DEAD);
            assertThat(d.lastError()).contains("lease of node-a expired");
        });
    }

    @Test
    void aJobWhoseLeaseExpiredIsClaimedByAnotherNodeAndTheLateResultOfTheFirstIsNotRecorded() throws Exception {
        queue();
        JobQueue a = new JobQueue(ds, "node-a", Duration.ofMillis(300));
        JobQueue b = new JobQueue(ds, "node-b", Duration.ofMillis(300));
        Job j = a.claimDue(JobKind.FORWARD, 10).get(0);
        assertThat(j.claimedBy()).isEqualTo("node-a");
        assertThat(j.leaseUntil()).isAfter(Instant.now());
        assertThat(b.claimDue(JobKind.FORWARD, 10)).as("the lease holds").isEmpty();
        Thread.sleep(200);
        assertThat(a.renewLeases()).as("node-a renews its lease").isEqualTo(1);
        Thread.sleep(200);
        assertThat(b.claimDue(JobKind.FORWARD, 10)).as("renewed: still held").isEmpty();
        Thread.sleep(400); // node-a stops renewing (it died)
        Job again = b.claimDue(JobKind.FORWARD, 10).get(0);
        assertThat(again.id()).isEqualTo(j.id());
        assertThat(again.claimedBy()).isEqualTo("node-b");
        assertThat(again.attempts()).as("the expiry counts as a failed attempt").isEqualTo(1);
        assertThat(again.lastError()).contains("lease of node-a expired").contains("node-b");
        a.succeeded(j.id());
        assertThat(b.find(j.id()).orElseThrow().state())
                .as("node-a's late result is not recorded")
                .isEqualTo(JobState.RUNNING);
        assertThat(a.failed(j.id(), "late failure", 1, Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .state())
                .isEqualTo(JobState.RUNNING);
        b.succeeded(j.id());
        assertThat(b.find(j.id()).orElseThrow().state()).isEqualTo(JobState.DONE);
    }

    @Test
    void aNodeThatStartsAgainResumesItsOwnRunningJobsAtOnceAndLeavesOthersAlone() throws Exception {
        queue();
        new JobQueue(ds).enqueue(JobKind.FORWARD, "1.2.4", 1);
        JobQueue a = new JobQueue(ds, "node-a", Duration.ofMinutes(5));
        JobQueue b = new JobQueue(ds, "node-b", Duration.ofMinutes(5));
        Job ja = a.claimDue(JobKind.FORWARD, 1).get(0);
        Job jb = b.claimDue(JobKind.FORWARD, 1).get(0);
        assertThat(new JobQueue(ds, "node-a", Duration.ofMinutes(5)).resumeOwnJobs())
                .isEqualTo(1);
        assertThat(a.find(ja.id()).orElseThrow().state()).isEqualTo(JobState.PENDING);
        assertThat(a.find(jb.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
        assertThat(a.claimDue(JobKind.FORWARD, 10)).extracting(Job::id).containsExactly(ja.id());
    }

    @Test
    void twoNodesClaimingAtOnceNeverGetTheSameJob() throws Exception {
        queue();
        for (int i = 0; i < 60; i++) {
            new JobQueue(ds).enqueue(JobKind.ASSESS, "1.2.7." + i, 1);
        }
        java.util.List<JobQueue> nodes = java.util.List.of(
                new JobQueue(ds, "n1", Duration.ofMinutes(5)),
                new JobQueue(ds, "n2", Duration.ofMinutes(5)),
                new JobQueue(ds, "n3", Duration.ofMinutes(5)));
        java.util.Map<Long, String> claimed = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.List<String> doubles = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
            for (JobQueue n : nodes) {
                runs.add(pool.submit(() -> {
                    // until every job is claimed (a claim that meets only locked rows may come back empty), at most 30
                    // s
                    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                    while (claimed.size() < 60 && System.nanoTime() < deadline) {
                        for (Job j : n.claimDue(JobKind.ASSESS, 2)) {
                            String before = claimed.putIfAbsent(j.id(), n.nodeId());
                            if (before != null) {
                                doubles.add(j.id() + " by " + before + " and " + n.nodeId());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(doubles).isEmpty();
        assertThat(claimed).hasSize(60);
    }

    @Test
    void nodesInDifferentTimeZonesSeeTheSameLeases() throws Exception {
        queue();
        java.util.TimeZone before = java.util.TimeZone.getDefault();
        Job j;
        try {
            java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Asia/Tokyo")); // a host on local time, UTC+9
            j = new JobQueue(ds, "tokyo", Duration.ofSeconds(30))
                    .claimDue(JobKind.FORWARD, 1)
                    .get(0);
            java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("America/New_York")); // a container elsewhere
            JobQueue other = new JobQueue(ds, "new-york", Duration.ofSeconds(30));
            assertThat(other.claimDue(JobKind.FORWARD, 1))
                    .as("the lease holds for 30 s in every zone")
                    .isEmpty();
            assertThat(other.find(j.id()).orElseThrow().leaseUntil())
                    .isBetween(Instant.now().plusSeconds(25), Instant.now().plusSeconds(31));
        } finally {
            java.util.TimeZone.setDefault(before);
        }
    }

    @Test
    void aLateFailureOfANodeThatLostItsLeaseDoesNotReviveAJobAnotherNodeFinished() throws Exception {
        queue();
        JobQueue a = new JobQueue(ds, "node-a", Duration.ofMillis(200));
        JobQueue b = new JobQueue(ds, "node-b", Duration.ofMinutes(5));
        Job j = a.claimDue(JobKind.FORWARD, 1).get(0);
        Thread.sleep(300);
        assertThat(b.claimDue(JobKind.FORWARD, 1)).extracting(Job::id).containsExactly(j.id());
        b.succeeded(j.id());
        assertThat(a.owns(j.id())).isFalse();
        assertThat(a.failed(j.id(), "late", 5, Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .state())
                .isEqualTo(JobState.DONE);
        a.succeeded(j.id());
        assertThat(b.find(j.id()).orElseThrow().state()).isEqualTo(JobState.DONE);
        assertThat(b.claimDue(JobKind.FORWARD, 1)).isEmpty();
    }

    @Test
    void aJobWhoseNodeDiesEveryTimeItRunsItIsDeadAfterTheAttemptLimit() throws Exception {
        queue();
        JobQueue a = new JobQueue(ds, "node-a", Duration.ofMillis(100));
        JobQueue b = new JobQueue(ds, "node-b", Duration.ofMillis(100));
        long id = a.claimDue(JobKind.FORWARD, 1, null, 3).get(0).id();
        Thread.sleep(150); // node-a dies while it runs the job
        assertThat(b.claimDue(JobKind.FORWARD, 1, null, 3))
                .extracting(Job::attempts)
                .containsExactly(1);
        Thread.sleep(150); // node-b too
        assertThat(a.claimDue(JobKind.FORWARD, 1, null, 3))
                .extracting(Job::attempts)
                .containsExactly(2);
        Thread.sleep(150); // and node-a again: the third expiry reaches the limit of 3
        assertThat(b.claimDue(JobKind.FORWARD, 1, null, 3)).isEmpty();
        Job dead = b.find(id).orElseThrow();
        assertThat(dead.state()).isEqualTo(JobState.DEAD);
        assertThat(dead.attempts()).isEqualTo(3);
        assertThat(dead.lastError()).contains("lease of node-a expired").contains("attempt 3 of 3");
    }

    @Test
    void aSecondProcessWithTheNameOfARunningNodeIsRefusedAndOneWithTheNameOfAStoppedNodeStarts() throws Exception {
        queue();
        JobQueue running = new JobQueue(ds, "twin", Duration.ofMillis(1500));
        running.register();
        java.util.concurrent.ScheduledExecutorService beat =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        beat.scheduleWithFixedDelay(running::renewLeases, 0, 300, java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> new JobQueue(ds, "twin", Duration.ofMillis(1500)).register())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another running node uses the name twin");
        } finally {
            beat.shutdownNow();
        }
        // the first process died (its heartbeat stopped): a new one with its name starts after the check
        new JobQueue(ds, "twin", Duration.ofMillis(1500)).register();
    }

    @Test
    void aCleanStopHandsRunningJobsBackWithoutCountingAnAttempt() throws Exception {
        queue();
        JobQueue leaving = new JobQueue(ds, "leaving", Duration.ofMinutes(5));
        leaving.register();
        JobQueue staying = new JobQueue(ds, "staying", Duration.ofMinutes(5));
        Job j = leaving.claimDue(JobKind.FORWARD, 1).get(0);
        assertThat(staying.claimDue(JobKind.FORWARD, 1))
                .as("held under its lease")
                .isEmpty();
        assertThat(leaving.handBackRunningJobs()).isEqualTo(1);
        Job again = staying.claimDue(JobKind.FORWARD, 1).get(0);
        assertThat(again.id()).as("claimed at once, no lease to wait for").isEqualTo(j.id());
        assertThat(again.attempts()).as("a scale-down is not a failure").isEqualTo(j.attempts());
        leaving.succeeded(j.id()); // the leaving process' late result is not taken
        assertThat(staying.find(j.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aProcessWhoseNameAnotherProcessTookOverClaimsAndRecordsNothing() throws Exception {
        queue();
        JobQueue paused = new JobQueue(ds, "twin", Duration.ofMillis(1500));
        paused.register();
        Job j = paused.claimDue(JobKind.FORWARD, 1).get(0);
        // paused longer than a third of the lease: a new process with its name starts and takes its jobs over
        JobQueue newcomer = new JobQueue(ds, "twin", Duration.ofMillis(1500));
        newcomer.register();
        assertThat(newcomer.resumeOwnJobs()).isEqualTo(1);
        assertThat(newcomer.claimDue(JobKind.FORWARD, 1)).extracting(Job::id).containsExactly(j.id());
        // the paused process wakes up: same name on the job, but it is not the registered process any more
        assertThat(paused.owns(j.id())).isFalse();
        paused.succeeded(j.id());
        assertThat(newcomer.find(j.id()).orElseThrow().state()).isEqualTo(JobState.RUNNING);
        new JobQueue(ds).enqueue(JobKind.FORWARD, "1.2.9", 1);
        assertThat(paused.claimDue(JobKind.FORWARD, 10)).as("it claims nothing").isEmpty();
        newcomer.succeeded(j.id());
        assertThat(newcomer.find(j.id()).orElseThrow().state()).isEqualTo(JobState.DONE);
    }

    @Test
    void twoProcessesStartingAtOnceWithOneNameNeverBothRunJobs() throws Exception {
        queue();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                String name = "same-" + round;
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                java.util.List<java.util.concurrent.Future<JobQueue>> starts = new java.util.ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    starts.add(pool.submit(() -> {
                        JobQueue q = new JobQueue(ds, name, Duration.ofMillis(1500));
                        together.await();
                        try {
                            q.register();
                            return q;
                        } catch (IllegalStateException e) {
                            assertThat(e.getMessage()).contains(name).contains("SRI_NODE_ID");
                            return null;
                        }
                    }));
                }
                java.util.List<JobQueue> started = new java.util.ArrayList<>();
                for (java.util.concurrent.Future<JobQueue> f : starts) {
                    if (f.get() != null) {
                        started.add(f.get());
                    }
                }
                // both may start when the first one looks dead to the second (here: it never renews); then the first is
                // supplanted and claims nothing
                assertThat(started).as("round " + round).isNotEmpty();
                new JobQueue(ds).enqueue(JobKind.ASSESS, "1.2.8." + round, 1);
                new JobQueue(ds).enqueue(JobKind.ASSESS, "1.2.9." + round, 1);
                int claiming = 0;
                for (JobQueue q : started) {
                    claiming += q.claimDue(JobKind.ASSESS, 10).isEmpty() ? 0 : 1;
                }
                assertThat(claiming)
                        .as("round " + round + ": one process under the name runs jobs")
                        .isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
