package org.srinode.enhance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SelfEnsembleTest {
    @Test
    void everyOrientationTurnsBackToTheTileOnANonSquareBatch() {
        int n = 2;
        int h = 3;
        int w = 5;
        float[] lq = new float[n * h * w];
        float[] mask = new float[n * h * w];
        for (int i = 0; i < lq.length; i++) {
            lq[i] = i;
            mask[i] = -i;
        }
        TileBatch b = new TileBatch(lq, mask, n, h, w);
        for (int t = 0; t < 8; t++) {
            TileBatch turned = SelfEnsemble.turn(b, t);
            assertThat(turned.height()).isEqualTo(t >= 4 ? w : h);
            assertThat(turned.width()).isEqualTo(t >= 4 ? h : w);
            assertThat(turned.mask()[7]).isEqualTo(-turned.lq()[7]);
            float[] back = new float[lq.length];
            SelfEnsemble.addBack(turned.lq(), t, n, h, w, back);
            assertThat(back).as("orientation %d", t).containsExactly(lq);
        }
    }

    @Test
    void orientationsAreTheRectangleSymmetries() {
        // 2x3 tile  0 1 2 / 3 4 5
        TileBatch b = new TileBatch(new float[] {0, 1, 2, 3, 4, 5}, new float[6], 1, 2, 3);
        assertThat(SelfEnsemble.turn(b, 1).lq()).as("columns reversed").containsExactly(2, 1, 0, 5, 4, 3);
        assertThat(SelfEnsemble.turn(b, 2).lq()).as("rows reversed").containsExactly(3, 4, 5, 0, 1, 2);
        assertThat(SelfEnsemble.turn(b, 3).lq()).as("rotated 180 degrees").containsExactly(5, 4, 3, 2, 1, 0);
        assertThat(SelfEnsemble.turn(b, 4).lq()).as("transposed, 3x2").containsExactly(0, 3, 1, 4, 2, 5);
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (int t = 0; t < 8; t++) {
            distinct.add(java.util.Arrays.toString(SelfEnsemble.turn(b, t).lq()));
        }
        assertThat(distinct).hasSize(8);
    }

    @Test
    void ensembleSizesOtherThanOneTwoFourOrEightAreRefused() {
        for (int n : new int[] {1, 2, 4, 8}) {
            assertThat(SelfEnsemble.orientations(n)).hasSize(n).startsWith(0).doesNotHaveDuplicates();
        }
        assertThatThrownBy(() -> new EnhancerOptions(InferenceDevice.CPU, 1, 64, 8, 4, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1, 2, 4 or 8");
        assertThatThrownBy(() -> EnhancerOptions.defaults().withSelfEnsemble(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
