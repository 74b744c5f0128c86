package org.srinode.evaluate;

import java.util.SplittableRandom;
import org.srinode.imaging.Images;

/**
 * The fixed degradation protocols (ours; the paper gives no parameters). Input: an HQ slice scaled to
 * [0, 1]. SR-B: Gaussian blur sigma 0.5 x scale pixels, then area downsampling by the scale. SR-N-B:
 * SR-B plus Rician noise sigma 0.03. SRI: SR-N-B plus one zeroed rectangle of 20% x 20% of the field
 * of view, centred on a foreground pixel (HQ above 0.1), its mask given to the model.
 */
public enum Protocol {
    SR_B("SR-B"),
    SR_N_B("SR-N-B"),
    SRI("SRI");

    public static final double NOISE_SIGMA = 0.03;
    public static final double HOLE_FRACTION = 0.2;
    private final String label;

    Protocol(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** A degraded slice and its missing-region mask, both at low resolution. */
    public record Degraded(float[] lq, float[] mask, int width, int height) {}

    /** Degrades one slice (w and h multiples of scale) with a seeded generator. */
    public Degraded apply(float[] hq, int w, int h, int scale, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] lq = Images.areaDown(Images.gaussianBlur(hq, w, h, 0.5 * scale), w, h, scale);
        int lw = w / scale;
        int lh = h / scale;
        float[] mask = new float[lw * lh];
        if (this != SR_B) {
            for (int i = 0; i < lq.length; i++) {
                double n1 = NOISE_SIGMA * gaussian(rnd);
                double n2 = NOISE_SIGMA * gaussian(rnd);
                lq[i] = (float) Math.sqrt((lq[i] + n1) * (lq[i] + n1) + n2 * n2);
            }
        }
        if (this == SRI) {
            float[] fg = Images.areaDown(hq, w, h, scale);
            int rw = Math.max(1, (int) Math.round(HOLE_FRACTION * lw));
            int rh = Math.max(1, (int) Math.round(HOLE_FRACTION * lh));
            int[] c = centre(fg, lw, lh, rnd);
            int top = Math.min(Math.max(c[1] - rh / 2, 0), lh - rh);
            int left = Math.min(Math.max(c[0] - rw / 2, 0), lw - rw);
            for (int y = top; y < top + rh; y++) {
                for (int x = left; x < left + rw; x++) {
                    mask[y * lw + x] = 1f;
                    lq[y * lw + x] = 0f;
                }
            }
        }
        return new Degraded(lq, mask, lw, lh);
    }

    private static int[] centre(float[] fg, int w, int h, SplittableRandom rnd) {
        int count = 0;
        for (float v : fg) {
            if (v > 0.1f) {
                count++;
            }
        }
        if (count == 0) {
            return new int[] {w / 2, h / 2};
        }
        int pick = rnd.nextInt(count);
        for (int i = 0; i < fg.length; i++) {
            if (fg[i] > 0.1f && pick-- == 0) {
                return new int[] {i % w, i / w};
            }
        }
        return new int[] {w / 2, h / 2};
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
