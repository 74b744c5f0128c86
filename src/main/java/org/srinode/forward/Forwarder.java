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
    }

    public List<Job> claimDue() throws InterruptedException {
        return jobs.claimDueOrWait(
                KIND,
                8,
                SeriesAssembler.REJECTION_AFTER_DELIVERY,
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
        Job now = jobs.failed(job.id(), reason, config.retry());
        if (now.state() == JobState.DEAD) {
            Path dir = deadLetter(now, series.files(job.seriesUid()));
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
     * a dead-letter folder finds only complete files. Run by the {@code outbox-housekeeping} route.
     *
     * @return how many were removed
     * @throws IOException only when the walk itself cannot start
     */
    public int removeStaleDeadLetters() throws IOException {
        Path root = Path.of(config.deadLetter());
        int removed = DurableFiles.removeStale(root, 2);
        if (removed > 0) {
            LOG.infof("dead-letter folder %s: removed %d temporary file(s) left by an interrupted copy", root, removed);
        }
        return removed;
    }

    /**
     * Copies the series and a REASON.txt into the dead-letter folder, each file durably ({@link DurableFiles}), REASON.txt
     * last: an operator resends these files, so a crash must not leave a truncated one there. The spool copy stays.
     */
    private Path deadLetter(Job job, List<Path> files) throws IOException {
        Path dir = Path.of(config.deadLetter()).resolve(job.seriesUid() + "-g" + job.generation() + "-job" + job.id());
        for (Path f : files) {
            if (Files.exists(f)) {
                DurableFiles.copy(f, dir.resolve(f.getFileName()));
            }
        }
        String reason = "series " + job.seriesUid() + " generation " + job.generation() + "\n"
                + "attempts: " + job.attempts() + "\nlast error: " + job.lastError() + "\nat: " + Instant.now()
                + "\nresend with: storescu -aec <AE> <host> <port> " + dir + "/*.dcm\n";
        DurableFiles.write(dir.resolve("REASON.txt"), temp -> Files.writeString(temp, reason));
        return dir;
    }
}
