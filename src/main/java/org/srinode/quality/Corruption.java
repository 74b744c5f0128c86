package org.srinode.quality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.srinode.volume.Volume;

/**
 * Corrupted content of slices: rectangles of one exact value (zero-filled or constant) surrounded by
 * head, and dropout slices (blank or far darker than their neighbours). Real MR signal carries noise,
 * so a block of identical values inside the head is not anatomy.
 */
final class Corruption {
    /** Smallest side of a reported rectangle, in pixels. */
    static final int MIN_SIDE = 6;
    /** Smallest area of a reported rectangle, in pixels (8-bit data can hold small flat patches). */
    static final int MIN_AREA = 64;

    private Corruption() {}

    /** Rectangles of identical values inside the head; {@code scale} maps intensities to [0, ~1]. */
    static List<Assessment.Region> regions(int slice, float[] px, int w, int h, double scale) {
        boolean[] flat = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                float v = px[i];
                int same = 0;
                int n = 0;
                if (x > 0) {
                    n++;
                    same += px[i - 1] == v ? 1 : 0;
                }
                if (x < w - 1) {
                    n++;
                    same += px[i + 1] == v ? 1 : 0;
                }
                if (y > 0) {
                    n++;
                    same += px[i - w] == v ? 1 : 0;
                }
                if (y < h - 1) {
                    n++;
                    same += px[i + w] == v ? 1 : 0;
                }
                flat[i] = same == n;
            }
        }
        List<Assessment.Region> found = new ArrayList<>();
        int[] label = new int[w * h];
        int[] stack = new int[w * h];
        int next = 0;
        for (int start = 0; start < w * h; start++) {
            if (!flat[start] || label[start] != 0) {
                continue;
            }
            next++;
            float v = px[start];
            int top = 0;
            stack[top++] = start;
            label[start] = next;
            int count = 0;
            int x0 = w;
            int y0 = h;
            int x1 = -1;
            int y1 = -1;
            while (top > 0) {
                int i = stack[--top];
                count++;
                int x = i % w;
                int y = i / w;
                x0 = Math.min(x0, x);
                x1 = Math.max(x1, x);
                y0 = Math.min(y0, y);
                y1 = Math.max(y1, y);
                int[] nb = {x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1};
                for (int j : nb) {
                    if (j >= 0 && flat[j] && label[j] == 0 && px[j] == v) {
                        label[j] = next;
                        stack[top++] = j;
                    }
                }
            }
            // the flat core of a rectangle is its interior: extend each side while the whole next line holds v
            int rx0 = x0;
            int ry0 = y0;
            int rx1 = x1;
            int ry1 = y1;
            boolean grown = true;
            while (grown) {
                grown = false;
                if (rx0 > 0 && lineIs(px, w, rx0 - 1, rx0 - 1, ry0, ry1, v)) {
                    rx0--;
                    grown = true;
                }
                if (rx1 < w - 1 && lineIs(px, w, rx1 + 1, rx1 + 1, ry0, ry1, v)) {
                    rx1++;
                    grown = true;
                }
                if (ry0 > 0 && lineIs(px, w, rx0, rx1, ry0 - 1, ry0 - 1, v)) {
                    ry0--;
                    grown = true;
                }
                if (ry1 < h - 1 && lineIs(px, w, rx0, rx1, ry1 + 1, ry1 + 1, v)) {
                    ry1++;
                    grown = true;
                }
            }
            int bw = rx1 - rx0 + 1;
            int bh = ry1 - ry0 + 1;
            if (bw < MIN_SIDE || bh < MIN_SIDE || bw * bh < MIN_AREA || count < 0.85 * (x1 - x0 + 1) * (y1 - y0 + 1)) {
                continue;
            }
            if (rx0 == 0
                    || ry0 == 0
                    || rx1 == w - 1
                    || ry1 == h - 1
                    || !surroundedByHead(px, w, h, rx0, ry0, rx1, ry1, scale)) {
                continue; // background air, or touching the edge of the field of view
            }
            found.add(new Assessment.Region(slice, rx0, ry0, bw, bh, v == 0f ? "ZERO_FILLED" : "CONSTANT"));
        }
        return found;
    }

    private static boolean lineIs(float[] px, int w, int x0, int x1, int y0, int y1, float v) {
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                if (px[y * w + x] != v) {
                    return false;
                }
            }
        }
        return true;
    }

    /** At least 60% of a two-pixel ring around the box is head (above 10% of the intensity scale). */
    private static boolean surroundedByHead(float[] px, int w, int h, int x0, int y0, int x1, int y1, double scale) {
        int head = 0;
        int n = 0;
        for (int y = Math.max(0, y0 - 2); y <= Math.min(h - 1, y1 + 2); y++) {
            for (int x = Math.max(0, x0 - 2); x <= Math.min(w - 1, x1 + 2); x++) {
                if (x >= x0 && x <= x1 && y >= y0 && y <= y1) {
                    continue;
                }
                n++;
                if (px[y * w + x] / scale > 0.1) {
                    head++;
                }
            }
        }
        return n > 0 && head >= 0.6 * n;
    }

    /** Indices of slices that are constant, or whose mean is under 10% of the median of their neighbours' means. */
    static List<Integer> dropouts(List<float[]> slices) {
        double[] mean = new double[slices.size()];
        boolean[] constant = new boolean[slices.size()];
        for (int z = 0; z < slices.size(); z++) {
            float[] s = slices.get(z);
            if (s == null) {
                continue;
            }
            double sum = 0;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : s) {
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            mean[z] = sum / s.length;
            constant[z] = min == max;
        }
        List<Integer> out = new ArrayList<>();
        for (int z = 0; z < slices.size(); z++) {
            if (slices.get(z) == null) {
                continue;
            }
            List<Double> nb = new ArrayList<>();
            for (int d = -2; d <= 2; d++) {
                int k = z + d;
                if (d != 0 && k >= 0 && k < slices.size() && slices.get(k) != null) {
                    nb.add(mean[k]);
                }
            }
            double[] sorted =
                    nb.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double ref = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
            if ((constant[z] && slices.size() > 1) || (ref > 0 && mean[z] < 0.1 * ref)) {
                out.add(z);
            }
        }
        return out;
    }

    static double robustMax(List<float[]> slices) {
        int total = Volume.voxels(
                slices.stream().mapToLong(s -> s == null ? 0 : s.length).sum(), 1, 1);
        float[] all = new float[total];
        int p = 0;
        for (float[] s : slices) {
            if (s != null) {
                System.arraycopy(s, 0, all, p, s.length);
                p += s.length;
            }
        }
        Arrays.sort(all);
        double v = all.length == 0 ? 1 : all[(int) (0.99 * (all.length - 1))];
        return v > 0 ? v : 1;
    }
}
