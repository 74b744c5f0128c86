package org.srinode.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.srinode.derived.DerivedSpec;
import org.srinode.derived.DerivedUids;
import org.srinode.dicom.DerivedWriter;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SegmentationWriter;
import org.srinode.dicom.SeriesFiles;
import org.srinode.enhance.Consistency;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.ProgressListener;
import org.srinode.quality.Assessment;
import org.srinode.volume.Volume;

/**
 * Enhancing one acquired series, the same way in the node (ENHANCE jobs) and in
 * {@code ./sri-node enhance}: slices in order along the normal, the assessment's corrupted regions
 * as the inpainting mask, the model, the data-consistency score, and the derived series written by
 * the derived-series writer.
 */
public final class SeriesEnhancement {
    static final String SOFTWARE = "sri-node 0.1.0";

    /**
     * @param derivedUid Series Instance UID of the derived series
     * @param files      the derived files, in slice order
     * @param scale      super-resolution factor applied
     * @param score      data-consistency score (lower is better)
     * @param exceeded   the score is above the limit
     * @param millis     time taken
     * @param segmentation the DICOM Segmentation of the inpainted regions and filled slices, or null when there are none
     * @param phaseMillis  where the time went, in order: READ (headers and pixels of the source), MODEL (the
     *                     network, with tiling and intensity mapping), CHECK (data-consistency score), WRITE (derived
     *                     files, filled slices), SEG (the Segmentation); milliseconds
     */
    public record Result(
            String derivedUid,
            List<Path> files,
            int scale,
            double score,
            boolean exceeded,
            long millis,
            Path segmentation,
            java.util.Map<String, Long> phaseMillis) {}

    private SeriesEnhancement() {}

    /**
     * The model version a derived series names (Software Versions, Contributing Equipment, the node's series record and
     * so FHIR's Device and Provenance): the model's own version, with {@code +self-ensemble-N} appended (build metadata
     * in the sense of Semantic Versioning 2.0.0, item 10) when the node averages N orientations, since the pixels then
     * differ from the model's single pass.
     */
    public static String modelVersion(Enhancer model) {
        String v = model.config().version();
        return model.selfEnsemble() > 1 ? v + "+self-ensemble-" + model.selfEnsemble() : v;
    }

    /**
     * The derived Series Instance UID of one generation and enhancement run of a source series (the Segmentation's:
     * {@code kind = "segmentation"}); see {@link DerivedUids#forRun}. A self-ensemble other than 1 is part of the
     * derivation (its pixels differ).
     */
    public static String derivedUid(
            String sourceSeriesUid, int generation, int enhanceRun, Enhancer model, String kind) {
        List<String> parts = new ArrayList<>(
                List.of(sourceSeriesUid, model.config().name(), model.config().version()));
        if (model.selfEnsemble() > 1) {
            // another self-ensemble gives other pixels: other UIDs (a PACS must never get two contents under one UID)
            parts.add("self-ensemble-" + model.selfEnsemble());
        }
        parts.add(kind);
        return DerivedUids.forRun(generation, enhanceRun, parts.toArray(String[]::new));
    }

    /**
     * Enhances one generation of an acquired series into a derived series and its Segmentation: generation 1 and later
     * ones get different derived UIDs, and a later one says in its Derivation Description that it supersedes the
     * earlier output.
     *
     * @param sourceFiles    the acquired series' files
     * @param generation     the source series' generation (1, then +1 each time late instances re-open it)
     * @param enhanceRun     1, then +1 each time an operator has the series enhanced again (new derived UIDs each time)
     * @param assessment     its assessment, or null
     * @param model          the loaded model
     * @param seriesNumber   Series Number of the derived series
     * @param suffix         Series Description suffix
     * @param maxInconsistency limit of the data-consistency score
     * @param outDir         folder for the derived files
     * @param segmentationDir folder for the Segmentation of what the model made up (inpainted regions, filled slices)
     */
    public static Result run(
            List<Path> sourceFiles,
            int generation,
            int enhanceRun,
            Assessment assessment,
            Enhancer model,
            int seriesNumber,
            String suffix,
            double maxInconsistency,
            Path outDir,
            Path segmentationDir,
            ProgressListener progress)
            throws Exception {
        long t0 = System.nanoTime();
        java.util.Map<String, Long> phases = new java.util.LinkedHashMap<>();
        long[] mark = {t0};
        List<ImageHeader> images = new ArrayList<>();
        for (Path f : sourceFiles) {
            images.add(SeriesFiles.header(f));
        }
        images = SeriesFiles.alongNormal(images);
        ImageHeader first = images.get(0);
        int w = first.columns();
        int h = first.rows();
        float[] data = new float[Volume.voxels(w, h, images.size())];
        float[] mask = new float[data.length];
        for (int z = 0; z < images.size(); z++) {
            System.arraycopy(SeriesFiles.pixels(Path.of(images.get(z).file())), 0, data, z * (w * h), w * h);
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
        lap(phases, "READ", mark);
        Volume hq = model.enhance(lq, maskVolume, progress);
        lap(phases, "MODEL", mark);
        int s = model.config().scale();
        double score = Consistency.score(lq, maskVolume, hq, s);
        lap(phases, "CHECK", mark);
        boolean exceeded = !(score <= maxInconsistency); // a non-finite score (NaN in the output) counts as exceeded
        List<String> actions = assessment == null ? List.of("SR_X" + s) : assessment.actions();
        String derivedUid = derivedUid(first.seriesInstanceUid(), generation, enhanceRun, model, "series");
        String description = description(model, s, assessment)
                + String.format(
                        Locale.ROOT,
                        " Data consistency %.3f%s.",
                        score,
                        exceeded ? " (above the limit " + maxInconsistency + ")" : "")
                + (generation > 1
                        ? " Made from generation " + generation
                                + " of the acquired series; supersedes the earlier AI-enhanced series."
                        : "")
                + (enhanceRun > 1
                        ? " Enhanced again at an operator's request (run " + enhanceRun
                                + "); supersedes the earlier output."
                        : "");
        DerivedSpec spec = new DerivedSpec(
                derivedUid,
                seriesNumber,
                suffix + (exceeded ? " CHECK" : ""),
                description,
                model.config().name(),
                modelVersion(model),
                SOFTWARE,
                s,
                actions);
        List<Path> written = new ArrayList<>();
        List<boolean[]> made = new ArrayList<>(); // per derived slice: the pixels the model made up
        for (int z = 0; z < images.size(); z++) {
            Path source = Path.of(images.get(z).file());
            Path out = outDir.resolve(DerivedWriter.instanceUid(images.get(z).sopInstanceUid(), spec) + ".dcm");
            DerivedWriter.write(source, spec, hq.slice(z), hq.height(), hq.width(), out);
            written.add(out);
            made.add(upscaled(mask, z, w, h, s));
            if (assessment != null) {
                for (Assessment.Gap gap : assessment.missingSlices()) {
                    if (gap.afterIndex() == z
                            && z + 1 < images.size()
                            && images.get(z).position() != null
                            && SeriesFiles.normal(images.get(z)) != null) {
                        List<Path> filled = fill(images.get(z), images.get(z + 1), gap, hq, z, spec, outDir);
                        written.addAll(filled);
                        for (int k = 0; k < filled.size(); k++) {
                            boolean[] all = new boolean[hq.width() * hq.height()];
                            java.util.Arrays.fill(all, true);
                            made.add(all);
                        }
                    }
                }
            }
        }
        lap(phases, "WRITE", mark);
        String segUid = derivedUid(first.seriesInstanceUid(), generation, enhanceRun, model, "segmentation");
        Path seg = segmentationDir.resolve(segUid + ".1.dcm");
        int frames = SegmentationWriter.write(written, made, segUid, seriesNumber + 1, SOFTWARE, seg);
        lap(phases, "SEG", mark);
        return new Result(
                derivedUid,
                written,
                s,
                score,
                exceeded,
                (System.nanoTime() - t0) / 1_000_000,
                frames > 0 ? seg : null,
                phases);
    }

    /** Records the milliseconds since {@code mark[0]} under {@code name} and moves the mark to now. */
    private static void lap(java.util.Map<String, Long> phases, String name, long[] mark) {
        long now = System.nanoTime();
        phases.put(name, (now - mark[0]) / 1_000_000);
        mark[0] = now;
    }

    private static boolean[] upscaled(float[] mask, int z, int w, int h, int s) {
        boolean[] m = new boolean[w * h * s * s];
        boolean any = false;
        for (int y = 0; y < h * s; y++) {
            for (int x = 0; x < w * s; x++) {
                boolean v = mask[(z * h + y / s) * w + x / s] > 0.5f;
                m[y * w * s + x] = v;
                any |= v;
            }
        }
        return any ? m : null;
    }

    /**
     * The slices missing between two present ones, filled by linear interpolation of the enhanced
     * neighbours along the slice normal (measured better than the model's reformat inpainting: see the
     * README), at the positions the assessment gives.
     */
    private static List<Path> fill(
            ImageHeader a, ImageHeader b, Assessment.Gap gap, Volume hq, int z, DerivedSpec spec, Path outDir)
            throws Exception {
        double pa = SeriesFiles.positionAlongNormal(a);
        double pb = SeriesFiles.positionAlongNormal(b);
        double[] normal = SeriesFiles.normal(a);
        float[] lower = hq.slice(z);
        float[] upper = hq.slice(z + 1);
        boolean numbered = a.instanceNumber() != null
                && b.instanceNumber() != null
                && Math.abs(b.instanceNumber() - a.instanceNumber()) == gap.count() + 1;
        List<Path> out = new ArrayList<>();
        for (int k = 0; k < gap.count(); k++) {
            double p = gap.positionsMm().get(k);
            float t = (float) ((p - pa) / (pb - pa));
            float[] px = new float[lower.length];
            for (int i = 0; i < px.length; i++) {
                px[i] = (1 - t) * lower[i] + t * upper[i];
            }
            double[] pos = a.position().clone();
            for (int d = 0; d < 3; d++) {
                pos[d] += normal[d] * (p - pa);
            }
            int number = numbered
                    ? a.instanceNumber() + Integer.signum(b.instanceNumber() - a.instanceNumber()) * (k + 1)
                    : (a.instanceNumber() == null ? 0 : a.instanceNumber());
            Path file = outDir.resolve(DerivedWriter.filledInstanceUid(a.sopInstanceUid(), k, spec) + ".dcm");
            DerivedWriter.writeFilled(
                    Path.of(a.file()),
                    spec,
                    px,
                    hq.height(),
                    hq.width(),
                    new DerivedWriter.Fill(k, pos, number, b.sopInstanceUid()),
                    file);
            out.add(file);
        }
        return out;
    }

    /** The Derivation Description of a derived series (conformance, derived series attributes). */
    static String description(Enhancer model, int scale, Assessment a) {
        StringBuilder d = new StringBuilder("AI-enhanced by " + model.config().name() + " "
                + model.config().version() + " (" + model.config().method() + "): super-resolution x" + scale);
        if (model.selfEnsemble() > 1) {
            d.append(", geometric self-ensemble of ")
                    .append(model.selfEnsemble())
                    .append(" orientations");
        }
        if (a != null && !a.corruptedRegions().isEmpty()) {
            d.append(", ").append(a.corruptedRegions().size()).append(" corrupted region(s) inpainted");
        }
        if (a != null && !a.missingSlices().isEmpty()) {
            d.append(", ")
                    .append(a.missingSlices().stream()
                            .mapToInt(Assessment.Gap::count)
                            .sum())
                    .append(" missing slice(s) filled by interpolation");
        }
        if (a != null && a.recommendedScale() > scale) {
            d.append("; x")
                    .append(a.recommendedScale())
                    .append(" was recommended, the model does x")
                    .append(scale);
        }
        d.append(". Not acquired.");
        return d.toString();
    }
}
