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
import org.srinode.derived.DerivedSpec;
import org.srinode.derived.DerivedUids;
import org.srinode.dicom.DerivedWriter;
import org.srinode.dicom.DicomHeaders;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SeriesFiles;
import org.srinode.dicom.Uids;
import org.srinode.enhance.Consistency;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.ProgressListener;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobExchange;
import org.srinode.jobs.JobQueue;
import org.srinode.quality.Assessment;
import org.srinode.series.SeriesAssembler;
import org.srinode.series.SeriesInfo;
import org.srinode.spool.SpooledInstance;
import org.srinode.volume.Volume;

/**
 * The enhancement stage: runs the model on a series the rules selected (corrupted regions of the
 * assessment become the inpainting mask), writes the derived series next to the spool, and registers
 * it with its FORWARD job. Each result gets a data-consistency score; above the limit the derived
 * series is held (not forwarded) or flagged, as configured. Missing slices are not filled yet (the
 * filler does not beat interpolation).
 */
@ApplicationScoped
@Named("enhanceStage")
public class EnhanceStage {
    private static final Logger LOG = Logger.getLogger(EnhanceStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERSION = "sri-node 0.1.0";

    private final JobQueue jobs;
    private final SeriesAssembler series;
    private final ModelService models;
    private final DerivedSettings settings;
    private final SafetySettings safety;

    @Inject
    public EnhanceStage(JobQueue jobs, SeriesAssembler series, ModelService models, DerivedSettings settings, SafetySettings safety) {
        this.jobs = jobs;
        this.series = series;
        this.models = models;
        this.settings = settings;
        this.safety = safety;
    }

    public List<Job> claimDue() {
        return models.enhancer().isPresent() ? jobs.claimDue(AssessStage.ENHANCE, 1) : List.of();
    }

    public void enhance(Exchange exchange) throws Exception {
        Job job = JobExchange.bind(exchange);
        long t0 = System.nanoTime();
        Enhancer model = models.enhancer().orElseThrow(() -> new IllegalStateException("the model is not loaded"));
        SeriesInfo info = series.find(job.seriesUid()).orElseThrow();
        Assessment assessment = info.assessment() == null ? null : JSON.readValue(info.assessment(), Assessment.class);
        List<ImageHeader> images = new ArrayList<>();
        for (Path f : series.files(job.seriesUid())) {
            images.add(SeriesFiles.header(f));
        }
        images = SeriesFiles.alongNormal(images);
        ImageHeader first = images.get(0);
        int w = first.columns();
        int h = first.rows();
        float[] data = new float[w * h * images.size()];
        float[] mask = new float[data.length];
        for (int z = 0; z < images.size(); z++) {
            System.arraycopy(SeriesFiles.pixels(Path.of(images.get(z).file())), 0, data, z * w * h, w * h);
        }
        if (assessment != null) {
            for (Assessment.Region r : assessment.corruptedRegions()) {
                for (int y = r.y(); y < r.y() + r.height(); y++) {
                    for (int x = r.x(); x < r.x() + r.width(); x++) {
                        mask[(r.slice() * h + y) * w + x] = 1f;
                    }
                }
            }
        }
        Volume lq = new Volume(w, h, images.size(), data, 1, 1, 1);
        Volume maskVolume = new Volume(w, h, images.size(), mask, 1, 1, 1);
        Volume hq = model.enhance(lq, maskVolume, ProgressListener.NONE);
        int s = model.config().scale();
        double score = Consistency.score(lq, maskVolume, hq, s);
        boolean exceeded = score > safety.maxInconsistency();
        boolean hold = exceeded && !"FLAG".equalsIgnoreCase(safety.onExceed());
        List<String> actions = assessment == null ? List.of("SR_X" + s) : assessment.actions();
        String derivedUid = DerivedUids.of(job.seriesUid(), model.config().name(), model.config().version(), "series");
        int number = settings.seriesNumber();
        String suffix = settings.descriptionSuffix() + (exceeded ? " CHECK" : "");
        String description = description(model, s, assessment) + String.format(java.util.Locale.ROOT,
                " Data consistency %.3f%s.", score, exceeded ? " (above the limit " + safety.maxInconsistency() + ")" : "");
        DerivedSpec spec = new DerivedSpec(derivedUid, number, suffix, description, model.config().name(), model.config().version(),
                VERSION, s, actions);
        Path dir = Path.of(settings.directory()).resolve(info.studyUid()).resolve(derivedUid);
        List<SpooledInstance> written = new ArrayList<>();
        for (int z = 0; z < images.size(); z++) {
            Path source = Path.of(images.get(z).file());
            Path out = dir.resolve(DerivedWriter.instanceUid(images.get(z).sopInstanceUid(), spec) + ".dcm");
            DerivedWriter.write(source, spec, hq.slice(z), hq.height(), hq.width(), out);
            // read back on purpose: a derived file that does not parse must fail here, not in the PACS
            written.add(new SpooledInstance(DicomHeaders.readAndCheck(out), out, out.toFile().length(), "SRI_NODE"));
        }
        series.registerDerived(written, !hold);
        String outcome = hold ? "HELD" : exceeded ? "FLAGGED" : "ENHANCED";
        series.recordEnhancement(job.seriesUid(), score, outcome);
        jobs.succeeded(job.id());
        LOG.infof("series %s: derived series %s written, %d slices x%d in %.1f s, data consistency %.3f: %s",
                Uids.shortTag(job.seriesUid()), Uids.shortTag(derivedUid), written.size(), s, (System.nanoTime() - t0) / 1e9, score,
                outcome);
    }

    public void failed(Exchange exchange) {
        Job job = JobExchange.of(exchange);
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Job now = jobs.failed(job.id(), JobExchange.failure(exchange), 3, java.time.Duration.ofSeconds(10),
                java.time.Duration.ofMinutes(5));
        LOG.errorf(e, "series %s: enhancement attempt %d failed", Uids.shortTag(job.seriesUid()), now.attempts());
    }

    private static String description(Enhancer model, int scale, Assessment a) {
        StringBuilder d = new StringBuilder("AI-enhanced by " + model.config().name() + " " + model.config().version()
                + " (HLH-GAN): super-resolution x" + scale);
        if (a != null && !a.corruptedRegions().isEmpty()) {
            d.append(", ").append(a.corruptedRegions().size()).append(" corrupted region(s) inpainted");
        }
        if (a != null && a.recommendedScale() > scale) {
            d.append("; x").append(a.recommendedScale()).append(" was recommended, the model does x").append(scale);
        }
        d.append(". Not acquired.");
        return d.toString();
    }

}
