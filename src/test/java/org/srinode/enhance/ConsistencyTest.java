package org.srinode.enhance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.srinode.volume.Volume;

class ConsistencyTest {
    @Test
    void anUpscalingThatAveragesBackToTheInputIsConsistentAndADistortedOneIsNot() {
        Volume in = EnhancerTest.randomVolume(20, 16, 2, 100f);
        float[] up = new float[40 * 32 * 2];
        for (int z = 0; z < 2; z++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 40; x++) {
                    up[(z * 32 + y) * 40 + x] = in.get(x / 2, y / 2, z);
                }
            }
        }
        Volume same = new Volume(40, 32, 2, up, 0.5, 0.5, 1);
        assertThat(Consistency.score(in, null, same, 2)).isCloseTo(0.0, within(1e-6));
        float[] off = up.clone();
        for (int i = 0; i < off.length; i++) {
            off[i] *= 1.2f;
        }
        assertThat(Consistency.score(in, null, new Volume(40, 32, 2, off, 0.5, 0.5, 1), 2))
                .isGreaterThan(0.05);
        float[] m = new float[20 * 16 * 2];
        java.util.Arrays.fill(m, 1f);
        assertThat(Consistency.score(in, new Volume(20, 16, 2, m, 1, 1, 1), new Volume(40, 32, 2, off, 0.5, 0.5, 1), 2))
                .as("everything masked: nothing to compare")
                .isZero();
    }
}
