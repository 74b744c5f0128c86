package org.srinode.enhance;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a slice into overlapping tiles and blends the upscaled tiles back with weights that ramp
 * linearly across the overlap (no seams; image borders keep full weight).
 */
final class Tiling {
    /** One tile: its origin in the low-resolution slice. */
    record Tile(int x, int y) {}

    final int width;
    final int height;
    final int tileW;
    final int tileH;
    final int overlap;
    final List<Tile> tiles = new ArrayList<>();

    Tiling(int width, int height, int tile, int overlap) {
        this.width = width;
        this.height = height;
        this.tileW = Math.min(tile, width);
        this.tileH = Math.min(tile, height);
        this.overlap = overlap;
        for (int y : origins(height, tileH, overlap)) {
            for (int x : origins(width, tileW, overlap)) {
                tiles.add(new Tile(x, y));
            }
        }
    }

    private static List<Integer> origins(int size, int tile, int overlap) {
        List<Integer> o = new ArrayList<>();
        if (tile >= size) {
            o.add(0);
            return o;
        }
        int step = Math.max(1, tile - 2 * overlap);
        for (int p = 0; ; p += step) {
            if (p + tile >= size) {
                o.add(size - tile);
                return o;
            }
            o.add(p);
        }
    }

    /** Copies tile pixels of a slice into {@code dst} at {@code offset}. */
    void cut(float[] slice, Tile t, float[] dst, int offset) {
        for (int r = 0; r < tileH; r++) {
            System.arraycopy(slice, (t.y() + r) * width + t.x(), dst, offset + r * tileW, tileW);
        }
    }

    /** Adds an upscaled tile, weighted, into the accumulators of the upscaled slice. */
    void blend(float[] out, int offset, Tile t, int scale, float[] acc, float[] weight) {
        int ow = tileW * scale;
        int oh = tileH * scale;
        int fullW = width * scale;
        int ramp = overlap * scale;
        for (int r = 0; r < oh; r++) {
            float wy = edgeWeight(r, oh, ramp, t.y() == 0, t.y() + tileH == height);
            int row = (t.y() * scale + r) * fullW + t.x() * scale;
            for (int c = 0; c < ow; c++) {
                float w = wy * edgeWeight(c, ow, ramp, t.x() == 0, t.x() + tileW == width);
                acc[row + c] += w * out[offset + r * ow + c];
                weight[row + c] += w;
            }
        }
    }

    private static float edgeWeight(int i, int n, int ramp, boolean atStart, boolean atEnd) {
        if (ramp <= 0) {
            return 1f;
        }
        float w = 1f;
        if (!atStart && i < ramp) {
            w = Math.min(w, (i + 0.5f) / ramp);
        }
        if (!atEnd && i >= n - ramp) {
            w = Math.min(w, (n - i - 0.5f) / ramp);
        }
        return w;
    }
}
