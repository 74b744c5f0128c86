package org.srinode.enhance;

import ai.djl.translate.TranslateException;
import java.util.List;
import org.srinode.volume.Volume;

/**
 * Fills missing slices of a stack with the SRI model: in a sagittal or coronal reformat a missing
 * slice is a band of missing rows, which the model inpaints (it was trained with such bands). The
 * model's upscaled output is brought back to the stack's grid by area averaging, and the estimates of
 * the two reformats are averaged. Present slices are never changed.
 */
public final class SliceFiller {
    private SliceFiller() {}

    /**
     * One run of missing slices.
     *
     * @param afterIndex index (in the given stack) of the slice before the gap
     * @param count      slices missing there
     */
    public record Gap(int afterIndex, int count) {}

    /** The result: the full stack, and for each of its slices whether it was filled. */
    public record Filled(Volume volume, boolean[] filled) {}

    public static Filled fill(Enhancer model, Volume stack, List<Gap> gaps)
            throws InterruptedException, TranslateException {
        int w = stack.width();
        int h = stack.height();
        int extra = gaps.stream().mapToInt(Gap::count).sum();
        int depth = stack.depth() + extra;
        float[] full = new float[w * h * depth];
        boolean[] missing = new boolean[depth];
        int z2 = 0;
        for (int z = 0; z < stack.depth(); z++) {
            System.arraycopy(stack.data(), z * w * h, full, z2 * w * h, w * h);
            z2++;
            for (Gap g : gaps) {
                if (g.afterIndex() == z) {
                    for (int k = 0; k < g.count(); k++) {
                        missing[z2++] = true;
                    }
                }
            }
        }
        Volume whole = new Volume(w, h, depth, full, stack.spacingX(), stack.spacingY(), stack.spacingZ());
        if (extra == 0) {
            return new Filled(whole, missing);
        }
        float[] sag = reformatAndInpaint(model, whole, missing, true);
        float[] cor = reformatAndInpaint(model, whole, missing, false);
        float[] out = full.clone();
        for (int z = 0; z < depth; z++) {
            if (missing[z]) {
                for (int i = 0; i < w * h; i++) {
                    out[z * w * h + i] = 0.5f * (sag[z * w * h + i] + cor[z * w * h + i]);
                }
            }
        }
        return new Filled(new Volume(w, h, depth, out, stack.spacingX(), stack.spacingY(), stack.spacingZ()), missing);
    }

    /** Estimates of every voxel from one reformat direction (sagittal: images over y and z for each x). */
    private static float[] reformatAndInpaint(Enhancer model, Volume v, boolean[] missing, boolean sagittal)
            throws InterruptedException, TranslateException {
        int w = v.width();
        int h = v.height();
        int d = v.depth();
        int images = sagittal ? w : h;
        int cols = sagittal ? h : w;
        float[] data = new float[images * d * cols];
        float[] mask = new float[images * d * cols];
        for (int i = 0; i < images; i++) {
            for (int z = 0; z < d; z++) {
                for (int c = 0; c < cols; c++) {
                    int x = sagittal ? i : c;
                    int y = sagittal ? c : i;
                    int dst = (i * d + z) * cols + c;
                    data[dst] = missing[z] ? 0f : v.data()[(z * h + y) * w + x];
                    mask[dst] = missing[z] ? 1f : 0f;
                }
            }
        }
        Volume in = new Volume(cols, d, images, data, 1, 1, 1);
        Volume up = model.enhance(in, new Volume(cols, d, images, mask, 1, 1, 1), ProgressListener.NONE);
        int s = model.config().scale();
        float[] est = new float[w * h * d];
        for (int i = 0; i < images; i++) {
            for (int z = 0; z < d; z++) {
                for (int c = 0; c < cols; c++) {
                    double sum = 0;
                    for (int dy = 0; dy < s; dy++) {
                        for (int dx = 0; dx < s; dx++) {
                            sum += up.data()[(i * d * s + z * s + dy) * cols * s + c * s + dx];
                        }
                    }
                    int x = sagittal ? i : c;
                    int y = sagittal ? c : i;
                    est[(z * h + y) * w + x] = (float) (sum / (s * s));
                }
            }
        }
        return est;
    }
}
