package org.srinode.evaluate;

import java.util.ArrayList;
import java.util.List;
import org.srinode.volume.Volume;

/** Preparing HQ volumes for the protocols: scaling to [0, 1], cropping, choosing slices. */
final class Slices {
    private Slices() {}

    /** Scaled by the 99.5th percentile (after shifting a negative minimum to 0), clipped to [0, 1]. */
    static Volume normalise(Volume v) {
        float[] sorted = v.data().clone();
        java.util.Arrays.sort(sorted);
        float min = Math.min(0f, sorted[0]);
        float top = sorted[(int) Math.round(0.995 * (sorted.length - 1))] - min;
        if (top <= 0) {
            top = sorted[sorted.length - 1] - min;
        }
        float[] out = new float[sorted.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(0f, Math.min(1f, (v.data()[i] - min) / (top <= 0 ? 1 : top)));
        }
        return new Volume(v.width(), v.height(), v.depth(), out, v.spacingX(), v.spacingY(), v.spacingZ());
    }

    /** Crops rows and columns to a multiple of m (centred). */
    static Volume cropToMultiple(Volume v, int m) {
        int w = v.width() - v.width() % m;
        int h = v.height() - v.height() % m;
        if (w == v.width() && h == v.height()) {
            return v;
        }
        int ox = (v.width() - w) / 2;
        int oy = (v.height() - h) / 2;
        float[] out = new float[w * h * v.depth()];
        for (int z = 0; z < v.depth(); z++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(v.data(), (z * v.height() + y + oy) * v.width() + ox, out, (z * h + y) * w, w);
            }
        }
        return new Volume(w, h, v.depth(), out, v.spacingX(), v.spacingY(), v.spacingZ());
    }

    /** Slices with at least 15% foreground, evenly thinned to at most {@code max}. */
    static List<Integer> choose(Volume v, int max) {
        List<Integer> usable = new ArrayList<>();
        for (int z = 0; z < v.depth(); z++) {
            int fg = 0;
            int base = z * v.sliceSize();
            for (int i = 0; i < v.sliceSize(); i++) {
                if (v.data()[base + i] > 0.1f) {
                    fg++;
                }
            }
            if (fg >= 0.15 * v.sliceSize()) {
                usable.add(z);
            }
        }
        if (usable.size() <= max) {
            return usable;
        }
        List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            picked.add(usable.get((int) ((i + 0.5) * usable.size() / max)));
        }
        return picked;
    }

    static Volume stack(List<float[]> slices, int w, int h) {
        float[] data = new float[w * h * slices.size()];
        for (int i = 0; i < slices.size(); i++) {
            System.arraycopy(slices.get(i), 0, data, i * w * h, w * h);
        }
        return new Volume(w, h, slices.size(), data, 1, 1, 1);
    }
}
