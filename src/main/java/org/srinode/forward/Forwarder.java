package org.srinode.forward;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Exchange;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditTrail;
import org.srinode.dicom.LogText;
import org.srinode.dicom.StudyHeader;
import org.srinode.dicom.Uids;
import org.srinode.files.DurableFiles;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobExchange;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.jobs.JobState;
import org.srinode.series.SeriesAssembler;
import org.srinode.series.SeriesRecords;

/** The forward stage: claims FORWARD jobs, hands their files to the destination, records the outcome. */
@ApplicationScoped
@Named("forwarder")
public class Forwarder {
    public static final JobKind KIND = JobKind.FORWARD;
    private static final String STARTED = "SriForwardStarted";
    /** Written last into a dead-letter folder: a folder without it is incomplete. */
    static final String REASON = "REASON.txt";

    private static final Logger LOG = Logger.getLogger(Forwarder.class);

    private final JobQueue jobs;
    private final SeriesRecords series;
    private final ForwardConfig config;

    private final AuditTrail audit;

    @Inject
    public Forwarder(JobQueue jobs, SeriesRecords series, ForwardConfig config, AuditTrail audit) {
        this.jobs = jobs;
        this.series = series;
        this.config = config;
        this.audit = audit;
        // a forward that died with its node on the last attempt (lease expired): dead-lettered by the claim that finds
        // it
        jobs.onDeadByLease(KIND, dead -> {
            try {
                Path dir = deadLetter(dead, dead.attempts(), dead.lastError(), series.files(dead.seriesUid()));
                LOG.errorf(
                        "series %s not delivered: its last attempt ended with its node (lease expired): copied to %s",
                        Uids.shortTag(dead.seriesUid()), dir);
            } catch (IOException | RuntimeException e) {
                LOG.errorf(
                        "series %s: cannot copy it to the dead-letter folder: %s (the spool copy stays)",
                        Uids.shortTag(dead.seriesUid()), e.getMessage());
            }
        });
    }

    /**
     * Ordering rule of FORWARD jobs: a delivery waits while an older one of the same series runs (generation N still
     * sending while a re-send re-opened the series as N + 1), so the later generation's copies arrive last. Only older
     * ones: two deliveries left RUNNING by a node that died cannot wait for each other.
     */
    static final String ONE_DELIVERY_PER_SERIES = "EXISTS (SELECT 1 FROM job o WHERE o.kind = j.kind "
            + "AND o.series_uid = j.series_uid AND o.state = 'RUNNING' AND o.id < j.id)";

    public List<Job> claimDue() throws InterruptedException {
        return jobs.claimDueOrWait(
                KIND,
                8,
                "(" + SeriesAssembler.REJECTION_AFTER_DELIVERY + ") OR (" + ONE_DELIVERY_PER_SERIES + ")",
                JobQueue.HAND_OFF_WAIT,
                config.retry().maxAttempts());
    }

    /** The series' files (every generation: a re-opened series is sent whole and supersedes). */
    public List<Path> filesOf(Exchange exchange) {
        exchange.setProperty(STARTED, System.nanoTime());
        Job job = JobExchange.bind(exchange);
        String supersededBy = series.supersededBy(job.seriesUid()).orElse(null);
        if (supersededBy != null) {
            // withdrawn (and rejected at the destination) before this delivery started: failed() cancels it
            throw new IllegalStateException(
                    "series " + job.seriesUid() + " was superseded by " + supersededBy + " before its delivery");
        }
        return series.files(job.seriesUid());
    }

    public void delivered(Exchange exchange) {
        Job job = JobExchange.of(exchange);
        jobs.succeeded(job.id());
        Long started = exchange.getProperty(STARTED, Long.class);
        if (started != null) {
            series.recordStageTime(job.seriesUid(), KIND.name(), (System.nanoTime() - started) / 1_000_000);
        }
        LOG.infof("series %s generation %d forwarded", Uids.shortTag(job.seriesUid()), job.generation());
        auditSent(job);
    }

    /** DICOM Instances Transferred (sent) for the audit trail: the study, the patient and the count, read from one file. */
    private void auditSent(Job job) {
        try {
            List<Path> files = series.files(job.seriesUid());
            if (files.isEmpty()) {
                return;
            }
            StudyHeader h = StudyHeader.read(files.get(0));
            audit.sent(
                    destination(),
                    h.studyUid(),
                    h.patientId(),
                    h.patientName(),
                    java.util.Map.of(h.sopClassUid(), files.size()));
        } catch (RuntimeException | org.srinode.dicom.InvalidDicomException e) {
            LOG.warnf(
                    "series %s: no audit message for its delivery: %s",
                    Uids.shortTag(job.seriesUid()), LogText.escape(e.toString()));
        }
    }

    /** The destination as an audit participant: calledAeTitle@host:port of a dimse:scu URI, else the URI without its options. */
    String destination() {
        String uri = config.uri();
        if (uri.startsWith("dimse:scu")) {
            java.util.Map<String, String> o = new java.util.HashMap<>();
            for (String kv : uri.substring(uri.indexOf('?') + 1).split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    o.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return o.getOrDefault("calledAeTitle", "ANY-SCP") + "@" + o.getOrDefault("host", "127.0.0.1") + ":"
                    + o.getOrDefault("port", "11112");
        }
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    public void failed(Exchange exchange) throws IOException {
        Job job = JobExchange.of(exchange);
        String reason = JobExchange.failure(exchange);
        String supersededBy = series.supersededBy(job.seriesUid()).orElse(null);
        if (supersededBy != null) {
            // withdrawn while it was being sent: a retry would reach the destination after the rejection note
            jobs.cancel(
                    job.id(),
                    "superseded by " + supersededBy + " while being sent (a rejection note withdraws what arrived); "
                            + "last error: " + reason);
            LOG.warnf(
                    "series %s: forward failed (%s) and is not retried: the series was superseded by %s meanwhile",
                    Uids.shortTag(job.seriesUid()), LogText.escape(reason), supersededBy);
            return;
        }
        // re-opened while it was being sent (a re-sent instance replaced a file this attempt was reading): the new
        // generation's own forward sends the series whole, so this one neither counts an attempt nor dead-letters
        int generation = series.generationOr(job.seriesUid(), job.generation());
        if (jobs.cancelForLaterGeneration(job, generation, "forward", reason)) {
            return;
        }
        // the last attempt: the dead-letter copy is made before the job is DEAD, so that a crash during the copy leaves
        // the job running; its lease expires and the claim that declares it DEAD copies again (onDeadByLease)
        boolean last = job.attempts() + 1 >= Math.max(1, config.retry().maxAttempts());
        Path copied = null;
        if (last && jobs.owns(job.id())) {
            try {
                copied = deadLetter(job, job.attempts() + 1, reason, series.files(job.seriesUid()));
            } catch (IOException e) { // tried once more below, once the failure is recorded
                LOG.warnf("series %s: dead-letter copy failed: %s", Uids.shortTag(job.seriesUid()), e.getMessage());
            }
        }
        Job now = jobs.failed(job.id(), reason, config.retry());
        if (copied != null && now.state() != JobState.DEAD) {
            removeQuietly(copied); // lost the job meanwhile (cancelled, taken over): that outcome stands
        }
        if (now.state() == JobState.DEAD) {
            Path dir = copied != null
                    ? copied
                    : deadLetter(now, now.attempts(), now.lastError(), series.files(job.seriesUid()));
            LOG.errorf(
                    "series %s not delivered after %d attempts (%s): moved to %s",
                    Uids.shortTag(job.seriesUid()), now.attempts(), LogText.escape(reason), dir);
        } else {
            LOG.warnf(
                    "series %s: forward attempt %d of %d failed (%s); next at %s",
                    Uids.shortTag(job.seriesUid()),
                    now.attempts(),
                    config.retry().maxAttempts(),
                    LogText.escape(reason),
                    now.nextAttemptAt());
        }
    }

    /**
     * Removes the temporary files ({@code *.part}) in {@code <dead-letter>/<series>-g<generation>-job<id>/} that a copy
     * cut by a crash left ({@link DurableFiles#removeStale}: unchanged for 15 minutes), so that an operator resending
     * a dead-letter folder finds only complete files. Run by the {@code dead-letter-housekeeping} route.
     *
     * @return how many were removed
     * @throws IOException only when the walk itself cannot start
     */
    public int removeStaleDeadLetters() throws IOException {
        return DurableFiles.removeStale(Path.of(config.deadLetter()), 2);
    }

    /**
     * Copies the series and a REASON.txt into the dead-letter folder, each file durably ({@link DurableFiles}), REASON.txt
     * last (removed first when the folder is written again): an operator resends these files, so a crash must not leave
     * a truncated one there, and a folder without REASON.txt is incomplete. The spool copy stays.
     *
     * @param attempts the attempts made, this one included
     * @param lastError the last attempt's error
     */
    private Path deadLetter(Job job, int attempts, String lastError, List<Path> files) throws IOException {
        Path dir = Path.of(config.deadLetter()).resolve(job.seriesUid() + "-g" + job.generation() + "-job" + job.id());
        Files.deleteIfExists(dir.resolve(REASON)); // a folder without it is being written (or was cut by a crash)
        for (Path f : files) {
            if (Files.exists(f)) {
                // the reserve does not stop a dead-letter copy: it is what the operator resends from
                DurableFiles.copyLastResort(f, dir.resolve(org.srinode.spool.Spool.instanceFileName(f)));
            }
        }
        String reason = "series " + job.seriesUid() + " generation " + job.generation() + "\n"
                + "attempts: " + attempts + "\nlast error: " + lastError + "\nat: " + Instant.now()
                + "\nresend with: storescu -aec <AE> <host> <port> " + dir + "/*.dcm\n";
        DurableFiles.writeLastResort(dir.resolve(REASON), temp -> Files.writeString(temp, reason));
        return dir;
    }

    /** Removes a dead-letter folder this node made for a job it then lost; what cannot be removed stays (logged). */
    private static void removeQuietly(Path dir) {
        try {
            if (!DurableFiles.removeFolder(dir)) {
                LOG.warnf("dead-letter copy %s of a job this node lost kept: another node is writing into it", dir);
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove the dead-letter copy %s of a job this node lost: %s", dir, e.getMessage());
        }
    }
}
