package org.srinode.enhance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.srinode.volume.Volume;

class SliceFillerTest {
    @Test
    void gapsAreInsertedAndFilledAndPresentSlicesStayUntouched() throws Exception {
        Path dir = ReferenceModel.create("tiny-x2", "tiny", 2);
        Volume v = EnhancerTest.randomVolume(40, 30, 6, 500f);
        try (Enhancer e = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 64, 8, 4))) {
            SliceFiller.Filled f =
                    SliceFiller.fill(e, v, List.of(new SliceFiller.Gap(1, 2), new SliceFiller.Gap(4, 1)));
            assertThat(f.volume().depth()).isEqualTo(9);
            assertThat(f.filled()).containsExactly(false, false, true, true, false, false, false, true, false);
            int[] original = {0, 1, 4, 5, 6, 8};
            for (int z = 0; z < original.length; z++) {
                assertThat(f.volume().slice(original[z])).containsExactly(v.slice(z));
            }
            for (float x : f.volume().slice(2)) {
                assertThat(x).isBetween(0f, 500f * 1.05f);
            }
        }
    }
}
