package org.srinode.derived;

/** Where the pixels of an in-plane upscaled slice lie in patient coordinates. */
public final class Geometry2D {
    private Geometry2D() {}

    /**
     * Image Position (Patient) of the first pixel centre after upscaling by {@code scale}: the new
     * pixels subdivide the old ones, so the first centre moves back by (scale - 1) / (2 scale) of an
     * old pixel along the row and the column directions.
     *
     * @param position     source Image Position (Patient)
     * @param orientation  Image Orientation (Patient): row direction, then column direction
     * @param pixelSpacing source Pixel Spacing: row spacing (between rows), column spacing (between columns)
     */
    public static double[] upscaledPosition(double[] position, double[] orientation, double[] pixelSpacing, int scale) {
        double f = (scale - 1) / (2.0 * scale);
        double[] p = position.clone();
        for (int i = 0; i < 3; i++) {
            p[i] -= f * pixelSpacing[1] * orientation[i] + f * pixelSpacing[0] * orientation[3 + i];
        }
        return p;
    }
}
