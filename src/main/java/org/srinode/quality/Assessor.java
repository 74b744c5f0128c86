package org.srinode.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SliceOrder;

/**
 * Decides what is wrong with a complete series (headers and pixels) and what to do about it. In order: whether the
 * series is one greyscale stack the node may enhance at all (not a localizer, multi-frame, colour, of one matrix and
 * orientation, with one slice order), then low field (Magnetic Field Strength), low resolution (Pixel Spacing, matrix),
 * thick slices, missing slices (gaps in the slice positions or Instance Numbers, Images in Acquisition), corrupted
 * regions and dropout slices in the pixels ({@link Corruption}); each finding adds a reason in words and an action
 * (SR_X2, SR_X4, FILL_SLICES, INPAINT, or SKIP).
 *
 * <p>About 300 lines: the checks share the ordered slices, the measured values and the list of reasons, and read best
 * in the order the Assessment reports them.
 */
public final class Assessor {
    private static final Pattern LOCALIZER =
            Pattern.compile("(?i)(localizer|localiser|scout|survey|3[- ]?plane|aahscout)");
    /** Largest side of a square slice the node assesses; larger matrices are not applicable. */
    static final int MAX_MATRIX_SIDE = 4096;

    private final QualityTargets targets;

    public Assessor(QualityTargets targets) {
        this.targets = targets;
    }

    /**
     * Assesses one series.
     *
     * @param images the headers of its instances, in any order
     * @param source decodes the pixels of one instance (rows x columns floats); a slice it cannot decode is a dropout,
     *     a series none of whose slices it can decode is not applicable
     * @return the assessment; never throws for malformed headers (MalformedHeadersProperties)
     */
    public Assessment assess(List<ImageHeader> images, PixelSource source) {
        if (images.isEmpty()) {
            return Assessment.notApplicable("the series holds no image", emptyMeasure());
        }
        ImageHeader first = images.get(0);
        Assessment.Measured basic = new Assessment.Measured(
                images.size(),
                first.rows(),
                first.columns(),
                maxSpacing(first),
                first.sliceThickness(),
                null,
                first.fieldStrengthTesla(),
                first.imagesInAcquisition());
        String na = outOfScope(images);
        if (na != null) {
            return Assessment.notApplicable(na, basic);
        }
        SliceOrder.Result order = SliceOrder.of(images);
        if (!order.geometric()) {
            return Assessment.notApplicable(
                    "Image Position/Orientation (Patient) missing or unusable on " + order.withoutGeometry()
                            + " of " + images.size()
                            + " slices: without one slice order the node neither fills nor inpaints, so it does not "
                            + "enhance the series",
                    basic);
        }
        Geometry g = Geometry.of(images, targets.spacingTolerance());
        if (g.duplicates.size() > Math.max(1, images.size() / 4)) {
            return Assessment.notApplicable(
                    "several images at the same positions (" + g.duplicates.size() + " of " + images.size()
                            + "): a time series, diffusion or multi-echo acquisition, not one stack",
                    basic);
        }
        List<float[]> pixels = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<Integer> undecodable = new ArrayList<>();
        String firstError = null;
        boolean noDecoder = false;
        for (int i = 0; i < g.ordered.size(); i++) {
            try {
                pixels.add(source.pixels(g.ordered.get(i)));
            } catch (Exception e) {
                pixels.add(null);
                undecodable.add(i);
                firstError = firstError == null ? e.getMessage() : firstError;
                noDecoder |= e instanceof org.srinode.dicom.NoDecoderException;
            }
        }
        if (undecodable.size() == pixels.size()) {
            return Assessment.notApplicable("pixel data cannot be decoded: " + firstError, basic);
        }
        if (noDecoder) {
            // a codec the node lacks, not a damaged slice: no slice of it could be enhanced
            return Assessment.notApplicable(
                    FindingTexts.undecodable(undecodable, " by this node: " + firstError), basic);
        }
        Assessment.Measured m = new Assessment.Measured(
                images.size(),
                first.rows(),
                first.columns(),
                maxSpacing(first),
                first.sliceThickness(),
                g.nominalStep == null ? null : Geometry.round(g.nominalStep),
                first.fieldStrengthTesla(),
                first.imagesInAcquisition());

        String lowField = lowField(first, reasons);
        int scale = resolution(first, reasons);
        boolean lowResolution = scale > 1;
        boolean thick =
                first.sliceThickness() != null && first.sliceThickness() > targets.targetSliceThicknessMm() * 1.001;
        if (thick) {
            reasons.add(String.format(
                    Locale.ROOT,
                    "slice thickness %.2f mm is above the target of %.2f mm",
                    first.sliceThickness(),
                    targets.targetSliceThicknessMm()));
        }
        List<Integer> missingNumbers = missingInstanceNumbers(images);
        boolean incomplete = completeness(g, images, missingNumbers, reasons);

        double scaleI = Corruption.robustMax(pixels);
        List<Assessment.Region> regions = new ArrayList<>();
        for (int z = 0; z < pixels.size(); z++) {
            if (pixels.get(z) != null) {
                regions.addAll(Corruption.regions(z, pixels.get(z), first.columns(), first.rows(), scaleI));
            }
        }
        List<Integer> dropouts = new ArrayList<>(new TreeSet<>(concat(Corruption.dropouts(pixels), undecodable)));
        regions.forEach(r -> reasons.add(FindingTexts.region(r)));
        if (!undecodable.isEmpty()) {
            reasons.add(FindingTexts.undecodable(undecodable, " (truncated?): " + firstError));
        }
        List<Integer> blank =
                dropouts.stream().filter(z -> !undecodable.contains(z)).toList();
        if (!blank.isEmpty()) {
            reasons.add(FindingTexts.dropouts(blank));
        }
        boolean corrupted = !regions.isEmpty() || !dropouts.isEmpty();

        List<String> actions = new ArrayList<>();
        if (lowResolution) {
            actions.add("SR_X" + scale);
        } else if ("TRUE".equals(lowField)) {
            actions.add("SR_X2"); // the x2 model also removes low-field noise
            scale = 2;
        }
        if (!regions.isEmpty()) {
            actions.add("INPAINT");
        }
        if (!g.gaps.isEmpty() || !dropouts.isEmpty()) {
            actions.add("FILL_SLICES");
        }
        if (actions.isEmpty()) {
            actions.add("SKIP");
            reasons.add(
                    reasons.isEmpty()
                            ? "no finding: the series meets the targets"
                            : "nothing the model can improve: in-plane resolution, field strength and completeness meet the targets");
        }
        return new Assessment(
                Assessment.VERSION,
                true,
                "",
                lowField,
                lowResolution,
                thick,
                incomplete,
                corrupted,
                m,
                g.gaps,
                g.duplicates,
                g.irregular,
                missingNumbers,
                regions,
                dropouts,
                scale,
                actions,
                reasons);
    }

    private String outOfScope(List<ImageHeader> images) {
        ImageHeader first = images.get(0);
        if (!"MR".equals(first.modality())) {
            return "not MR: the modality is '" + first.modality() + "'";
        }
        if (images.stream().anyMatch(h -> !h.imageStorage() || !h.hasPixelData())) {
            return "not an image: an instance has no pixel data or is not an image storage SOP class";
        }
        if (images.stream().anyMatch(ImageHeader::madeBySriNode)) {
            // another node's output (this node's own is never assessed: SeriesAssembler holds it when sent back)
            return "AI-enhanced output of an sri-node (its Contributing Equipment Sequence names sri-node): "
                    + "not enhanced again";
        }
        if (images.stream().anyMatch(h -> h.frames() > 1)) {
            return "multi-frame (Enhanced MR) series are skipped: their per-frame functional groups are not read yet";
        }
        if (images.stream()
                        .anyMatch(h -> h.imageType().stream()
                                .anyMatch(t -> t.equalsIgnoreCase("LOCALIZER") || t.equalsIgnoreCase("SCOUT")))
                || LOCALIZER.matcher(first.seriesDescription()).find()) {
            return "a localizer/scout series, not a diagnostic acquisition";
        }
        if (images.stream()
                .anyMatch(h -> h.samplesPerPixel() != 1 || !h.photometric().startsWith("MONOCHROME"))) {
            return "a colour image (" + first.photometric() + "), not greyscale MR";
        }
        if (first.rows() < 1 || first.columns() < 1) {
            // Rows and Columns are US (PS3.3 C.7.6.3): a zero, or a wrong VR read as negative, is no image matrix
            return "Rows " + first.rows() + " x Columns " + first.columns() + ": no image matrix";
        }
        if (first.rows() > MAX_MATRIX_SIDE || first.columns() > MAX_MATRIX_SIDE) {
            // up to 65535 x 65535 by the VR: the per-slice buffers of the checks (and an int product) would not fit
            return "matrix " + first.rows() + " x " + first.columns() + " is beyond the " + MAX_MATRIX_SIDE + " x "
                    + MAX_MATRIX_SIDE + " pixels the node assesses (MR slices are up to about 1024 x 1024)";
        }
        if ((long) first.rows() * first.columns() * images.size() > Integer.MAX_VALUE) {
            return images.size() + " slices of " + first.rows() + " x " + first.columns()
                    + " do not fit the one volume the node assesses and enhances";
        }
        if (images.stream().anyMatch(h -> h.rows() != first.rows() || h.columns() != first.columns())) {
            return "slices of different sizes: not one stack";
        }
        if (!Geometry.sameOrientation(images)) {
            return "slices of several orientations: not one stack";
        }
        return null;
    }

    private String lowField(ImageHeader h, List<String> reasons) {
        Double t = h.fieldStrengthTesla();
        if (t == null) {
            reasons.add("Magnetic Field Strength (0018,0087) is absent: field strength unknown");
            return "UNKNOWN";
        }
        if (t < targets.lowFieldTesla()) {
            reasons.add(String.format(Locale.ROOT, "low field: %.2f T is below %.2f T", t, targets.lowFieldTesla()));
            return "TRUE";
        }
        return "FALSE";
    }

    /** Recommended in-plane scale: 1 when the targets are met, else 2 or 4. */
    private int resolution(ImageHeader h, List<String> reasons) {
        double ratio = 1;
        Double spacing = maxSpacing(h);
        if (spacing != null && spacing > targets.targetPixelSpacingMm() * 1.001) {
            ratio = spacing / targets.targetPixelSpacingMm();
            reasons.add(String.format(
                    Locale.ROOT,
                    "low resolution: pixel spacing %.3f mm is above the target of %.3f mm",
                    spacing,
                    targets.targetPixelSpacingMm()));
        }
        int matrix = Math.min(h.rows(), h.columns());
        if (matrix < targets.targetMatrix()) {
            ratio = Math.max(ratio, targets.targetMatrix() / (double) matrix);
            reasons.add(
                    "low resolution: matrix " + h.rows() + "x" + h.columns() + " is below " + targets.targetMatrix());
        }
        return ratio <= 1.001 ? 1 : ratio >= 3 ? 4 : 2;
    }

    private boolean completeness(
            Geometry g, List<ImageHeader> images, List<Integer> missingNumbers, List<String> reasons) {
        g.gaps.forEach(gap -> reasons.add(FindingTexts.gap(gap)));
        if (!g.duplicates.isEmpty()) {
            reasons.add(FindingTexts.duplicates(g.duplicates));
        }
        if (!g.irregular.isEmpty()) {
            reasons.add(FindingTexts.irregular(g.irregular));
        }
        Integer announced = images.get(0).imagesInAcquisition();
        boolean fewer = announced != null && announced > images.size();
        if (fewer) {
            reasons.add(images.size() + " images received, Images in Acquisition (0020,1002) announces " + announced);
        }
        if (!missingNumbers.isEmpty()) {
            reasons.add(FindingTexts.missingInstanceNumbers(missingNumbers));
        }
        return !g.gaps.isEmpty()
                || !g.duplicates.isEmpty()
                || !g.irregular.isEmpty()
                || fewer
                || !missingNumbers.isEmpty();
    }

    private static List<Integer> missingInstanceNumbers(List<ImageHeader> images) {
        if (images.stream().anyMatch(h -> h.instanceNumber() == null)) {
            return List.of();
        }
        TreeSet<Integer> present = new TreeSet<>();
        images.forEach(h -> present.add(h.instanceNumber()));
        if (present.last() - present.first() > 10000) {
            return List.of();
        }
        List<Integer> missing = new ArrayList<>();
        for (int n = present.first(); n <= present.last(); n++) {
            if (!present.contains(n)) {
                missing.add(n);
            }
        }
        return missing;
    }

    private static Double maxSpacing(ImageHeader h) {
        return h.pixelSpacing() == null ? null : Math.max(h.pixelSpacing()[0], h.pixelSpacing()[1]);
    }

    private static Assessment.Measured emptyMeasure() {
        return new Assessment.Measured(0, 0, 0, null, null, null, null, null);
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        List<Integer> c = new ArrayList<>(a);
        c.addAll(b);
        return c;
    }
}
