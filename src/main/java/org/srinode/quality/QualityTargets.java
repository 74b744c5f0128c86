package org.srinode.quality;

/**
 * Thresholds of the assessment (the node's configuration maps onto this).
 *
 * @param lowFieldTesla          below this Magnetic Field Strength a series is low field (default 1.5 T)
 * @param targetPixelSpacingMm   in-plane spacing above this is low resolution (default 1.0 mm)
 * @param targetSliceThicknessMm slice thickness above this is low through-plane resolution (default 3.0 mm)
 * @param targetMatrix           rows or columns below this are a low matrix (default 256)
 * @param spacingTolerance       relative deviation of a slice step from the nominal step still regular (default 0.1)
 */
public record QualityTargets(
        double lowFieldTesla,
        double targetPixelSpacingMm,
        double targetSliceThicknessMm,
        int targetMatrix,
        double spacingTolerance) {
    public static QualityTargets defaults() {
        return new QualityTargets(1.5, 1.0, 3.0, 256, 0.1);
    }
}
