package org.srinode.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Sizes read from headers are multiplied in one place, without overflow (issue 17 review). */
class VolumeTest {
    @Test
    void voxelCountsThatFitOneArrayAreExact() {
        assertThat(Volume.voxels(512, 512, 400)).isEqualTo(104_857_600);
        assertThat(Volume.voxels(0, 512, 1)).isZero();
    }

    @Test
    void aProductBeyondOneArrayIsRefusedInsteadOfWrappingAround() {
        // 46341 x 46341 wraps to a negative int; 16384 x 16384 x 128 (a x4 output of 4096 x 4096 slices) wraps to 0
        assertThatThrownBy(() -> Volume.voxels(46341, 46341, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Volume.voxels(4096 * 4, 4096 * 4, 128)).hasMessageContaining("do not fit one array");
        assertThatThrownBy(() -> Volume.voxels(-1, 2, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
