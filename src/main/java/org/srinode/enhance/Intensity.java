package org.srinode.enhance;

import java.util.Arrays;

/**
 * Per-volume intensity mapping used around inference, the same as in training: shift so the minimum
 * is not below 0, divide by the robust maximum (a high percentile), clip to [0, 1]. The part above
 * the percentile is kept aside by the caller and added back upsampled, so bright voxels are not lost.
 *
 * @param offset subtracted first (the volume minimum when negative, else 0)
 * @param scale  the percentile value after the shift (1.0 maps to it)
 * @param min    smallest source value (restored output is clamped to [min, max])
 * @param max    largest source value
 */
public record Intensity(double offset, double scale, double min, double max) {
    public static Intensity of(float[] v, double percentile) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        double offset = Math.min(0, min);
        float[] sorted = v.clone();
        Arrays.sort(sorted);
        int idx = (int) Math.min(sorted.length - 1, Math.max(0, Math.round(percentile / 100.0 * (sorted.length - 1))));
        double top = sorted[idx] - offset;
        if (top <= 0) {
            top = max - offset > 0 ? max - offset : 1.0;
        }
        return new Intensity(offset, top, min, max);
    }

    public float normalise(float v) {
        double x = (v - offset) / scale;
        return (float) (x < 0 ? 0 : Math.min(x, 1.0));
    }

    /** What normalisation clipped away above 1.0, in source units. */
    public float excess(float v) {
        double x = v - offset - scale;
        return x > 0 ? (float) x : 0f;
    }

    public float restore(float y) {
        double v = y * scale + offset;
        return (float) Math.max(min, Math.min(max, v));
    }
}
