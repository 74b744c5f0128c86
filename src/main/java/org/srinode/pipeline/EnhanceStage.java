package org.srinode.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.jboss.logging.Logger;
import org.srinode.dicom.AcquisitionHeader;
import org.srinode.dicom.DicomHeaders;
import org.srinode.dicom.LogText;
import org.srinode.dicom.Uids;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.ProgressListener;
import org.srinode.files.DurableFiles;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobExchange;
import org.srinode.jobs.JobQueue;
import org.srinode.quality.Assessment;
import org.srinode.series.DerivedSeries;
import org.srinode.series.Outcome;
import org.srinode.series.SeriesInfo;
import org.srinode.series.SeriesRecords;
import org.srinode.spool.SpooledInstance;

/**
 * The enhancement stage: runs the model on a series the rules selected (corrupted regions of the
 * assessment become the inpainting mask), writes the derived series next to the spool, and registers
 * it with its FORWARD job. Each result gets a data-consistency score; above the limit the derived
 * series is held (not forwarded) or flagged, as configured. Each generation of a source series gets
 * its own derived series; the earlier ones are withdrawn ({@link Supersession}).
 */
@ApplicationScoped
@Named("enhanceStage")
public class EnhanceStage {
    private static final Logger LOG = Logger.getLogger(EnhanceStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String VERSION = SeriesEnhancement.SOFTWARE;

    private final JobQueue jobs;
    private final SeriesRecords series;
    private final ModelService models;
    private final DerivedSettings settings;
    private final SafetySettings safety;
    private final NodeMetrics metrics;
    private final int workers;
    private final org.srinode.jobs.RetryPolicy retry;
    private final Supersession supersession;

    @Inject
    public EnhanceStage(
            JobQueue jobs,
            SeriesRecords series,
            ModelService models,
            DerivedSettings settings,
            SafetySettings safety,
            NodeMetrics metrics,
            EnhanceConfig config,
            Supersession supersession) {
        this.supersession = supersession;
        this.metrics = metrics;
        this.workers = Math.max(1, config.workers());
        this.retry = config.retry();
        this.jobs = jobs;
        this.series = series;
        this.models = models;
        this.settings = settings;
        this.safety = safety;
        jobs.onDeadByLease(AssessStage.ENHANCE, dead -> recordFailure(dead, dead.attempts(), dead.lastError()));
    }

    /** The bounded worker pool of the enhance route: as many threads as series enhanced at the same time. */
    @jakarta.enterprise.inject.Produces
    @Named("enhanceWorkers")
    @ApplicationScoped
    java.util.concurrent.ExecutorService workers() {
        return java.util.concurrent.Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "enhance-worker");
            t.setDaemon(true);
            return t;
        });
    }

    public List<Job> claimDue() throws InterruptedException {
        return models.enhancerFor(0).isPresent() // READY: the models this stage chooses from are loaded
                ? jobs.claimDueOrWait(AssessStage.ENHANCE, workers, null, JobQueue.HAND_OFF_WAIT, retry.maxAttempts())
                : List.of();
    }

    public void enhance(Exchange exchange) throws Exception {
        Job job = JobExchange.bind(exchange);
        SeriesInfo info = series.find(job.seriesUid()).orElseThrow();
        if (info.generation() != job.generation()) {
            // late instances re-opened the series: the later generation's own job enhances it
            jobs.succeeded(job.id());
            LOG.infof(
                    "series %s: enhancement of generation %d skipped, the series is at generation %d",
                    Uids.shortTag(job.seriesUid()), job.generation(), info.generation());
            return;
        }
        Assessment assessment = info.assessment() == null ? null : JSON.readValue(info.assessment(), Assessment.class);
        // x4 when the assessment recommends it and an x4 model is loaded (issue 15), else the main model
        Enhancer model = models.enhancerFor(assessment == null ? 0 : assessment.recommendedScale())
                .orElseThrow(() -> new IllegalStateException("the model is not loaded"));
        List<Path> files = series.files(job.seriesUid());
        if (model.config().scope() != null && !files.isEmpty()) {
            java.util.Optional<String> outside =
                    model.config().scope().outside(AcquisitionHeader.read(files.get(0)), assessment);
            if (outside.isPresent()) {
                // the outcome, the withdrawal of the earlier output and the job's completion in one transaction (as for
                // an enhancement)
                try {
                    supersession.withdrawEarlier(job.seriesUid(), job.generation(), "NOT_ENHANCED", c -> {
                        completeOrRollBack(c, job);
                        SeriesRecords.recordSkipped(c, job.seriesUid(), Outcome.OUT_OF_SCOPE, outside.get());
                        return null;
                    });
                } catch (DerivedSeries.StaleGeneration e) {
                    stale(job, e);
                    return;
                } catch (JobQueue.NotHeld e) {
                    LOG.warnf(
                            "series %s: the job was lost to another node; its outcome is not recorded here",
                            Uids.shortTag(job.seriesUid()));
                    return;
                }
                LOG.infof("series %s not enhanced: %s", Uids.shortTag(job.seriesUid()), LogText.escape(outside.get()));
                return;
            }
        }
        String derivedUid =
                SeriesEnhancement.derivedUid(job.seriesUid(), job.generation(), info.enhanceRun(), model, "series");
        Path dir = Path.of(settings.directory()).resolve(info.studyUid()).resolve(derivedUid);
        SeriesEnhancement.Result r;
        try {
            r = SeriesEnhancement.run(
                    files,
                    job.generation(),
                    info.enhanceRun(),
                    assessment,
                    model,
                    settings.seriesNumber(),
                    settings.descriptionSuffix(),
                    safety.maxInconsistency(),
                    dir,
                    dir.resolveSibling("segmentations"),
                    ProgressListener.NONE);
        } catch (Exception | Error e) {
            if (jobs.owns(job.id())) {
                removeUnregistered(dir); // never half-written: nothing of a failed attempt stays behind
            } // else: another node took the job over and writes into the same folder
            throw e;
        }
        if (!jobs.owns(job.id())) {
            // this node lost its lease (paused, or cut from the database) and another node runs or ran the job:
            // its output (the same UIDs, in the same folder) is the one registered; this one has no effect
            LOG.warnf(
                    "series %s: enhancement finished after this node lost the job to another node; not registered",
                    Uids.shortTag(job.seriesUid()));
            return;
        }
        long registerStart = System.nanoTime();
        boolean hold = r.exceeded() && safety.onExceed() == SafetySettings.OnExceed.HOLD;
        List<SpooledInstance> written = new ArrayList<>();
        for (Path out : r.files()) {
            // read back on purpose: a derived file that does not parse must fail here, not in the PACS
            written.add(new SpooledInstance(
                    DicomHeaders.readAndCheck(out), out, out.toFile().length(), "SRI_NODE"));
        }
        String modelName = model.config().name() + " " + SeriesEnhancement.modelVersion(model);
        List<DerivedSeries.Derived> outputs =
                new ArrayList<>(List.of(new DerivedSeries.Derived(written, !hold, modelName, true)));
        if (r.segmentation() != null) {
            Path seg = r.segmentation();
            outputs.add(new DerivedSeries.Derived(
                    List.of(new SpooledInstance(
                            DicomHeaders.readAndCheck(seg), seg, seg.toFile().length(), "SRI_NODE")),
                    !hold,
                    modelName,
                    false));
        }
        // the outcome (the PUBLISH job publishes its score), this generation's outputs and the withdrawal of the
        // earlier
        // ones in one transaction (see Supersession): no reader sees the outcome without its derived series (the API
        // once showed HELD with no current derived series for a moment) nor a PUBLISH job without the score
        Outcome outcome = hold ? Outcome.HELD : r.exceeded() ? Outcome.FLAGGED : Outcome.ENHANCED;
        // and the job's completion: after a crash the job is either DONE with its result or runs again with none (it
        // must never run again over a result an operator may already have released)
        try {
            supersession.register(job.seriesUid(), job.generation(), info.enhanceRun(), outputs, r.derivedUid(), c -> {
                completeOrRollBack(c, job);
                SeriesRecords.recordEnhancement(c, job.seriesUid(), job.generation(), r.score(), outcome);
                return null;
            });
        } catch (DerivedSeries.StaleGeneration e) {
            removeUnregistered(dir);
            if (r.segmentation() != null) {
                java.nio.file.Files.deleteIfExists(r.segmentation());
            }
            stale(job, e);
            return;
        } catch (JobQueue.NotHeld e) {
            // lost between the check above and the registration: the node that holds the job now registers its own
            LOG.warnf(
                    "series %s: enhancement finished after this node lost the job to another node; not registered",
                    Uids.shortTag(job.seriesUid()));
            return;
        }
        long register = (System.nanoTime() - registerStart) / 1_000_000;
        series.recordStageTime(job.seriesUid(), "ENHANCE", r.millis() + register);
        // the breakdown (bench e2e prints it): ENHANCE_READ, _MODEL, _CHECK, _WRITE, _SEG, _REGISTER (read back,
        // registered, superseded)
        for (java.util.Map.Entry<String, Long> p : r.phaseMillis().entrySet()) {
            series.recordStageTime(job.seriesUid(), "ENHANCE_" + p.getKey(), p.getValue());
        }
        series.recordStageTime(job.seriesUid(), "ENHANCE_REGISTER", register);
        metrics.enhanced(r.millis(), outcome);
        LOG.infof(
                "series %s: derived series %s written, %d slices x%d in %.1f s, data consistency %.3f: %s",
                Uids.shortTag(job.seriesUid()),
                Uids.shortTag(r.derivedUid()),
                written.size(),
                r.scale(),
                r.millis() / 1e3,
                r.score(),
                outcome);
    }

    /**
     * Removes the temporary files ({@code *.part}) in {@code <derived>/<study>/<series>/} (derived series, rejection
     * notes) and {@code <derived>/<study>/segmentations/} that a write cut by a crash
     * left ({@link DurableFiles#removeStale}: unchanged for 15 minutes) in a folder that stays (a registered derived
     * series or rejection note, whose folder {@link #removeUnregistered} does not touch). Run by the {@code
     * derived-housekeeping} route at start-up and then every {@code sri.derived.sweep-ms}.
     *
     * @return how many were removed
     * @throws java.io.IOException only when the walk itself cannot start
     */
    public int removeStaleTemporaries() throws java.io.IOException {
        return DurableFiles.removeStale(Path.of(settings.directory()), 3);
    }

    /**
     * Deletes the files of a derived series folder that no registration points to (a failed attempt's output). A
     * temporary file (*.part) younger than {@link DurableFiles#STALE_TEMPORARY} is another writer's file in progress (a
     * node that took the job over writes the same folder) and stays, and the folder with it; an older one was left by a
     * crash and goes.
     */
    private void removeUnregistered(Path dir) {
        if (!java.nio.file.Files.isDirectory(dir)
                || !series.find(dir.getFileName().toString()).isEmpty()) {
            return;
        }
        try {
            DurableFiles.removeFolder(dir);
        } catch (java.io.IOException e) {
            LOG.warnf("cannot remove the output of a failed enhancement in %s: %s", dir, e.getMessage());
        }
    }

    /** Marks the job DONE in the caller's transaction, or rolls it back ({@link JobQueue.NotHeld}) when it was lost. */
    private void completeOrRollBack(java.sql.Connection c, Job job) throws java.sql.SQLException {
        if (!jobs.succeeded(c, job.id())) {
            throw new JobQueue.NotHeld(job.id());
        }
    }

    /** A job of a generation the series has left ends without effect: the later generation's own job takes over. */
    private void stale(Job job, DerivedSeries.StaleGeneration e) {
        jobs.succeeded(job.id());
        LOG.infof(
                "series %s: output of generation %d dropped: %s",
                Uids.shortTag(job.seriesUid()), job.generation(), e.getMessage());
    }

    public void failed(Exchange exchange) {
        Job job = JobExchange.of(exchange);
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = JobExchange.failure(exchange);
        int generation = series.generationOr(job.seriesUid(), job.generation());
        if (jobs.cancelForLaterGeneration(job, generation, "enhancement", reason)) {
            return; // a re-sent instance replaced a file it was reading: the new generation is enhanced anew
        }
        Job now = jobs.failed(job.id(), reason, retry);
        LOG.errorf(e, "series %s: enhancement attempt %d failed", Uids.shortTag(job.seriesUid()), now.attempts());
        if (now.state() == org.srinode.jobs.JobState.DEAD) {
            recordFailure(job, now.attempts(), reason);
        }
    }

    /**
     * The job went DEAD (every attempt failed, or the lease of its last attempt expired: see {@link
     * JobQueue#onDeadByLease}): operators see it on the series, not only among the jobs. The reason says what failed and
     * what to do; the outcome becomes FAILED unless a current derived output is left (the run before an operator's
     * re-run, which keeps its outcome and can still be released). At a later generation (late instances changed the
     * series) the earlier generations' output no longer matches the acquired series and is withdrawn in the same
     * transaction, as when a series is not enhanced. Nothing when the series or the job moved on meanwhile.
     */
    private void recordFailure(Job job, int attempts, String reason) {
        SeriesInfo info = series.find(job.seriesUid()).orElse(null);
        if (info == null || info.generation() != job.generation()) {
            return; // moved on: the later generation's own job decides
        }
        int run = info.enhanceRun();
        String why = "enhancement failed " + attempts + " time(s), last: " + reason
                + (run > 1 ? "; the output of the run before stays current" : "") + " (requeue job " + job.id()
                + " or have the series enhanced again)";
        try {
            if (run == 1 && job.generation() > 1) {
                supersession.withdrawEarlier(job.seriesUid(), job.generation(), "NOT_ENHANCED", c -> {
                    // this step runs before the withdrawal it belongs to: the earlier output still looks current here
                    if (!SeriesRecords.recordFailure(c, job.seriesUid(), job.generation(), run, job.id(), why, true)) {
                        throw new DerivedSeries.StaleGeneration(
                                "series " + job.seriesUid() + " or job " + job.id() + " changed meanwhile");
                    }
                    return null;
                });
            } else {
                series.recordFailure(job.seriesUid(), job.generation(), run, job.id(), why);
            }
        } catch (DerivedSeries.StaleGeneration moved) {
            // re-opened, re-run or requeued meanwhile: what runs now decides
        } catch (RuntimeException notRecorded) {
            // the failure stays on the DEAD job; the series shows no outcome for it
            LOG.errorf(
                    notRecorded,
                    "series %s: the failure was not recorded on the series",
                    Uids.shortTag(job.seriesUid()));
        }
    }
}
