package org.srinode.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.jboss.logging.Logger;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.LogText;
import org.srinode.dicom.SeriesFiles;
import org.srinode.dicom.Uids;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobExchange;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.quality.Assessment;
import org.srinode.quality.Assessor;
import org.srinode.series.DerivedSeries;
import org.srinode.series.Outcome;
import org.srinode.series.SeriesInfo;
import org.srinode.series.SeriesRecords;

/**
 * The assessment stage: claims ASSESS jobs of complete series, assesses them, exposes the result as
 * message headers for the routing rules in routes/*.yaml, and records the rules' decision.
 */
@ApplicationScoped
@Named("assessStage")
public class AssessStage {
    public static final JobKind KIND = JobKind.ASSESS;
    /** Job kind queued when the rules decide to enhance a series. */
    public static final JobKind ENHANCE = JobKind.ENHANCE;
    /** Decision when the rules chose enhancement but no model can run it (disabled or failed to load). */
    public static final String WAITING_FOR_MODEL = "ENHANCE_WAITING_FOR_MODEL";

    private static final Logger LOG = Logger.getLogger(AssessStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobQueue jobs;
    private final SeriesRecords series;
    private final Assessor assessor;

    private final ModelService models;

    private final Supersession supersession;

    @Inject
    private final org.srinode.jobs.RetryPolicy retry;

    public AssessStage(
            JobQueue jobs,
            SeriesRecords series,
            QualitySettings settings,
            ModelService models,
            Supersession supersession) {
        this.retry = settings.retry();
        this.supersession = supersession;
        this.jobs = jobs;
        this.series = series;
        this.models = models;
        this.assessor = new Assessor(settings.targets());
    }

    public List<Job> claimDue() throws InterruptedException {
        return jobs.claimDueOrWait(KIND, 4, null, JobQueue.HAND_OFF_WAIT, retry.maxAttempts());
    }

    /** Assesses the job's series; the body becomes the Assessment and its findings become headers. */
    public Assessment assess(Exchange exchange) throws JsonProcessingException {
        Job job = JobExchange.bind(exchange);
        int now = series.find(job.seriesUid()).map(SeriesInfo::generation).orElse(job.generation());
        if (now != job.generation()) {
            // a late instance re-opened the series (a retry of this job came late): the later generation's own job
            // assesses it; failed() ends this one without effect
            throw new DerivedSeries.StaleGeneration("series " + job.seriesUid() + " is at generation " + now + ", not "
                    + job.generation() + ": its own assessment job takes over");
        }
        long t0 = System.nanoTime();
        List<ImageHeader> headers = new ArrayList<>();
        for (Path f : series.files(job.seriesUid())) {
            try {
                headers.add(SeriesFiles.header(f));
            } catch (InvalidDicomException e) {
                LOG.warnf(
                        "series %s: %s left out of the assessment: %s",
                        Uids.shortTag(job.seriesUid()), f.getFileName(), LogText.escape(e.getMessage()));
            }
        }
        Assessment a = assessor.assess(headers, h -> SeriesFiles.pixels(Path.of(h.file())));
        AssessmentHeaders.set(exchange.getIn(), a);
        series.recordAssessment(job.seriesUid(), job.generation(), JSON.writeValueAsString(a));
        series.recordStageTime(job.seriesUid(), KIND.name(), (System.nanoTime() - t0) / 1_000_000);
        exchange.getIn().setBody(a);
        return a;
    }

    /**
     * The rules chose enhancement: queue it for this generation, unless no model can run it (then the
     * decision says so, the outcome carries the reason, and {@link #onModelReady} queues it later).
     */
    public void enhance(Exchange exchange) {
        Job job = JobExchange.of(exchange);
        Optional<String> unavailable = models.unavailable();
        if (unavailable.isPresent()) {
            // what an earlier generation made no longer matches the series (withdrawn in the transaction that records
            // the outcome); a model loaded later makes this generation's own
            supersession.withdrawEarlier(job.seriesUid(), job.generation(), "NOT_ENHANCED", c -> {
                SeriesRecords.recordSkipped(
                        c,
                        job.seriesUid(),
                        Outcome.NO_MODEL,
                        "enhancement chosen but not available: " + unavailable.get());
                return null;
            });
            decide(exchange, WAITING_FOR_MODEL);
            return;
        }
        // the job first: after a crash in between, the ASSESS job runs again and the enqueue is idempotent
        jobs.enqueue(ENHANCE, job.seriesUid(), job.generation());
        decide(exchange, "ENHANCE");
    }

    /** A model became available: the series that were waiting for one are queued for enhancement now. */
    void onModelReady(@Observes ModelService.Ready ready) {
        for (SeriesInfo s : series.withDecision(WAITING_FOR_MODEL)) {
            if (!series.leaveWaiting(s.seriesUid(), s.generation(), WAITING_FOR_MODEL, ENHANCE)) {
                continue; // re-opened or decided meanwhile: its own assessment decides
            }
            JobQueue.wakeAfterCommit(ENHANCE);
            LOG.infof(
                    "series %s generation %d: queued for enhancement now that model %s is loaded",
                    Uids.shortTag(s.seriesUid()), s.generation(), ready.detail());
        }
    }

    /**
     * The rules chose to forward the originals only: what was derived from an earlier generation of the
     * series no longer matches it and is withdrawn ({@link Supersession}).
     */
    public void forwardOnly(Exchange exchange) {
        Job job = JobExchange.of(exchange);
        supersession.withdrawEarlier(job.seriesUid(), job.generation(), "NOT_ENHANCED");
        decide(exchange, "FORWARD_ONLY");
    }

    public void failed(Exchange exchange) {
        Job job = JobExchange.of(exchange);
        for (Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                e != null;
                e = e.getCause()) {
            if (e instanceof DerivedSeries.StaleGeneration) {
                // not a failure: the series moved on to a later generation, whose own job assesses and decides it
                jobs.succeeded(job.id());
                LOG.infof(
                        "series %s: assessment of generation %d ended without effect: %s",
                        Uids.shortTag(job.seriesUid()), job.generation(), e.getMessage());
                return;
            }
        }
        String reason = JobExchange.failure(exchange);
        int generation = series.generationOr(job.seriesUid(), job.generation());
        if (jobs.cancelForLaterGeneration(job, generation, "assessment", reason)) {
            return; // a re-sent instance replaced a file it was reading: the new generation is assessed anew
        }
        jobs.failed(job.id(), reason, retry);
        LOG.errorf("series %s: assessment failed: %s", Uids.shortTag(job.seriesUid()), LogText.escape(reason));
    }

    private void decide(Exchange exchange, String decision) {
        Job job = JobExchange.of(exchange);
        series.recordDecision(job.seriesUid(), job.generation(), decision);
        jobs.succeeded(job.id());
        LOG.infof("series %s generation %d: %s", Uids.shortTag(job.seriesUid()), job.generation(), decision);
    }
}
