package org.srinode.quality;

import java.util.List;

/**
 * What the node found wrong with a series and what it recommends. Immutable; serialised as JSON and
 * copied into message headers.
 *
 * @param version        assessment algorithm version
 * @param applicable     false when the series is out of scope (then {@code notApplicableReason} says why)
 * @param notApplicableReason plain-language reason, empty when applicable
 * @param lowField       TRUE, FALSE or UNKNOWN (no Magnetic Field Strength)
 * @param lowResolution  in-plane spacing or matrix worse than the targets
 * @param thickSlices    slice thickness above the target
 * @param incomplete     missing slices, duplicates, irregular spacing, fewer images than announced or instance gaps
 * @param corrupted      corrupted regions, dropout slices or truncated pixel data
 * @param measured       the values measured
 * @param missingSlices  gaps found along the slice normal
 * @param duplicatePositions indices (in slice order) of slices at the position of the previous one
 * @param irregularSteps indices after which the step is neither the nominal one nor a multiple of it
 * @param missingInstanceNumbers Instance Numbers absent from the run first..last
 * @param corruptedRegions per-slice rectangles to inpaint
 * @param dropoutSlices  indices (in slice order) of slices that are blank or nearly so
 * @param recommendedScale 1 (no super-resolution), 2 or 4
 * @param actions        recommended actions: SKIP, SR_X2, SR_X4, INPAINT, FILL_SLICES
 * @param reasons        plain-language findings; they count slices from 1 in slice order (as the web page's previews
 *     and a viewer's image counter do), while the index fields above count from 0
 */
public record Assessment(
        String version,
        boolean applicable,
        String notApplicableReason,
        String lowField,
        boolean lowResolution,
        boolean thickSlices,
        boolean incomplete,
        boolean corrupted,
        Measured measured,
        List<Gap> missingSlices,
        List<Integer> duplicatePositions,
        List<Integer> irregularSteps,
        List<Integer> missingInstanceNumbers,
        List<Region> corruptedRegions,
        List<Integer> dropoutSlices,
        int recommendedScale,
        List<String> actions,
        List<String> reasons) {

    /**
     * Version of the assessment, stored with each one. 0.2.0: the reasons count slices from 1 (0.1.0 from 0, like the
     * index fields).
     */
    public static final String VERSION = "0.2.0";

    /**
     * Measured values; null where not measurable.
     *
     * @param slices            slices assessed
     * @param rows              rows
     * @param columns           columns
     * @param pixelSpacingMm    larger of row and column spacing
     * @param sliceThicknessMm  Slice Thickness
     * @param sliceStepMm       nominal (median) distance between neighbouring slice positions
     * @param fieldStrengthTesla Magnetic Field Strength
     * @param imagesInAcquisition Images in Acquisition announced
     */
    public record Measured(
            int slices,
            int rows,
            int columns,
            Double pixelSpacingMm,
            Double sliceThicknessMm,
            Double sliceStepMm,
            Double fieldStrengthTesla,
            Integer imagesInAcquisition) {}

    /**
     * Slices missing between two present ones.
     *
     * @param afterIndex index (in slice order) of the slice before the gap
     * @param count      slices missing
     * @param positionsMm positions along the slice normal where they should be
     */
    public record Gap(int afterIndex, int count, List<Double> positionsMm) {}

    /**
     * A rectangle to inpaint, in pixels of one slice (index in slice order).
     *
     * @param slice  slice index
     * @param x      first column
     * @param y      first row
     * @param width  columns
     * @param height rows
     * @param kind   ZERO_FILLED, CONSTANT
     */
    public record Region(int slice, int x, int y, int width, int height, String kind) {}

    static Assessment notApplicable(String reason, Measured m) {
        return new Assessment(
                VERSION,
                false,
                reason,
                "UNKNOWN",
                false,
                false,
                false,
                false,
                m,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                1,
                List.of("SKIP"),
                List.of(reason));
    }
}
