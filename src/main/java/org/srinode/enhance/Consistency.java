package org.srinode.enhance;

import org.srinode.volume.Volume;

/**
 * Data consistency of an enhanced volume with its input: the enhanced slices are brought back to the
 * input grid by the acquisition's forward operator (area averaging over each scale x scale block) and
 * compared with the input outside the inpainted region, over the foreground. The score is the RMS
 * difference divided by the input's 99th percentile: 0 is perfectly consistent, 0.1 is a 10% deviation.
 */
public final class Consistency {
    private Consistency() {}

    public static double score(Volume input, Volume mask, Volume enhanced, int scale) {
        float[] sorted = input.data().clone();
        java.util.Arrays.sort(sorted);
        double top = sorted[(int) (0.99 * (sorted.length - 1))];
        if (top <= 0) {
            return 0;
        }
        int w = input.width();
        int h = input.height();
        int ow = enhanced.width();
        double se = 0;
        long n = 0;
        for (int z = 0; z < input.depth(); z++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = (z * h + y) * w + x;
                    float v = input.data()[i];
                    if ((mask != null && mask.data()[i] > 0.5f) || v < 0.05 * top) {
                        continue;
                    }
                    double sum = 0;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            sum += enhanced.data()[(z * h * scale + y * scale + dy) * ow + x * scale + dx];
                        }
                    }
                    double d = sum / (scale * scale) - v;
                    se += d * d;
                    n++;
                }
            }
        }
        return n == 0 ? 0 : Math.sqrt(se / n) / top;
    }
}
