package org.srinode.enhance;

/**
 * Geometric self-ensemble: each tile is also enhanced flipped, rotated or transposed, the outputs are turned back
 * and averaged (Timofte, Rothe and Van Gool, "Seven ways to improve example-based single image super resolution",
 * CVPR 2016; the "geometric self-ensemble" of EDSR, Lim et al., CVPR workshops 2017). F is not exactly equivariant
 * to these turns, so the average cancels part of its error (measured gains in the model card of sri-default-x2).
 *
 * <p>The eight orientations are the symmetries of a rectangle grid; orientation {@code t} transposes the tile when
 * bit 2 is set, then reverses its columns (bit 0) and rows (bit 1). An ensemble of 2 adds the rotation by 180
 * degrees (3), of 4 the two flips (1, 2), of 8 the four transposed orientations. The order was chosen by measurement
 * (model card of sri-default-x2): with 0.3.0 the 180-degree pair gave most of what all eight give.
 */
final class SelfEnsemble {
    private static final int[][] SETS = {{0}, {0, 3}, {0, 3, 1, 2}, {0, 3, 1, 2, 4, 5, 6, 7}};

    private SelfEnsemble() {}

    /**
     * The orientations of an ensemble of {@code n}.
     *
     * @throws IllegalArgumentException when n is not 1, 2, 4 or 8
     */
    static int[] orientations(int n) {
        return switch (n) {
            case 1 -> SETS[0];
            case 2 -> SETS[1];
            case 4 -> SETS[2];
            case 8 -> SETS[3];
            default -> throw new IllegalArgumentException("self-ensemble must be 1, 2, 4 or 8 orientations, not " + n);
        };
    }

    /** Whether orientation t swaps rows and columns. */
    static boolean transposes(int t) {
        return (t & 4) != 0;
    }

    /**
     * Index, in a tile of orientation {@code t}, of pixel (r, c) of the {@code h x w} tile in its own orientation.
     * The turned tile is {@code w x h} when t transposes, else {@code h x w}.
     */
    static int index(int t, int r, int c, int h, int w) {
        int rr = r;
        int cc = c;
        int th = h;
        int tw = w;
        if (transposes(t)) {
            rr = c;
            cc = r;
            th = w;
            tw = h;
        }
        if ((t & 1) != 0) {
            cc = tw - 1 - cc;
        }
        if ((t & 2) != 0) {
            rr = th - 1 - rr;
        }
        return rr * tw + cc;
    }

    /** The batch's tiles (lq and mask) turned to orientation t. */
    static TileBatch turn(TileBatch b, int t) {
        int size = b.height() * b.width();
        float[] lq = new float[b.lq().length];
        float[] mask = new float[b.mask().length];
        for (int i = 0; i < b.n(); i++) {
            int o = i * size;
            for (int r = 0; r < b.height(); r++) {
                for (int c = 0; c < b.width(); c++) {
                    int j = o + index(t, r, c, b.height(), b.width());
                    lq[j] = b.lq()[o + r * b.width() + c];
                    mask[j] = b.mask()[o + r * b.width() + c];
                }
            }
        }
        return transposes(t)
                ? new TileBatch(lq, mask, b.n(), b.width(), b.height())
                : new TileBatch(lq, mask, b.n(), b.height(), b.width());
    }

    /**
     * Adds the outputs of a turned batch, turned back, to {@code acc}: {@code n} tiles of {@code h x w} output pixels
     * in their own orientation ({@code out} holds them in orientation t).
     */
    static void addBack(float[] out, int t, int n, int h, int w, float[] acc) {
        int size = h * w;
        for (int i = 0; i < n; i++) {
            int o = i * size;
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    acc[o + r * w + c] += out[o + index(t, r, c, h, w)];
                }
            }
        }
    }
}
