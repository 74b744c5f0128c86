package org.srinode.enhance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TilingTest {
    @Test
    void tilesCoverTheSliceAndWeightsArePositiveEverywhere() {
        Tiling t = new Tiling(300, 170, 128, 8);
        float[] acc = new float[600 * 340];
        float[] weight = new float[600 * 340];
        float[] ones = new float[t.tileW * t.tileH * 4];
        java.util.Arrays.fill(ones, 1f);
        for (Tiling.Tile tile : t.tiles) {
            t.blend(ones, 0, tile, 2, acc, weight);
        }
        for (int i = 0; i < weight.length; i++) {
            assertThat(weight[i]).as("weight at %d", i).isPositive();
            assertThat(acc[i] / weight[i]).isEqualTo(1f);
        }
    }

    @Test
    void smallSlicesAreOneTile() {
        Tiling t = new Tiling(60, 40, 128, 8);
        assertThat(t.tiles).containsExactly(new Tiling.Tile(0, 0));
        assertThat(t.tileW).isEqualTo(60);
    }

    @Test
    void intensityRoundTripsAndKeepsWhatItClips() {
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = i - 100;
        }
        Intensity in = Intensity.of(v, 99.5);
        assertThat(in.offset()).isEqualTo(-100);
        float top = v[999];
        assertThat(in.restore(in.normalise(top)) + in.excess(top)).isEqualTo(top);
        assertThat(in.restore(in.normalise(200f))).isEqualTo(200f, org.assertj.core.data.Offset.offset(1e-3f));
    }
}
