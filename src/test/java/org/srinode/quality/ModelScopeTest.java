package org.srinode.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.srinode.enhance.ModelConfig;

/** Out-of-scope inputs against the model card: anatomy, contrast (words, then TR/TE/TI), pixel spacing. */
class ModelScopeTest {
    static final ModelScope SCOPE =
            new ModelScope(List.of("BRAIN", "HEAD", ""), List.of("T1", "T2", "PD", "UNKNOWN"), 4.0);

    static org.srinode.dicom.AcquisitionHeader acq(String part, String words, Double tr, Double te, Double ti) {
        return new org.srinode.dicom.AcquisitionHeader(part, words, tr, te, ti);
    }

    @Test
    void contrastFromTheSeriesWordsThenFromTheTimings() {
        assertThat(ModelScope.contrast(acq("", "t1_mprage_sag", null, null, null)))
                .isEqualTo("T1");
        assertThat(ModelScope.contrast(acq("", "AX FLAIR", null, null, null))).isEqualTo("FLAIR");
        assertThat(ModelScope.contrast(acq("", "ep2d_diff_3scan_trace", null, null, null)))
                .isEqualTo("DWI");
        assertThat(ModelScope.contrast(acq("", "SWI_Images", null, null, null))).isEqualTo("SWI");
        assertThat(ModelScope.contrast(acq("", "Ax T2 FSE", null, null, null))).isEqualTo("T2");
        assertThat(ModelScope.contrast(acq("", "series 3", 500.0, 12.0, null))).isEqualTo("T1");
        assertThat(ModelScope.contrast(acq("", "series 4", 4000.0, 100.0, null)))
                .isEqualTo("T2");
        assertThat(ModelScope.contrast(acq("", "series 5", 3000.0, 15.0, null))).isEqualTo("PD");
        assertThat(ModelScope.contrast(acq("", "series 6", 9000.0, 120.0, 2500.0)))
                .isEqualTo("FLAIR");
        assertThat(ModelScope.contrast(acq("", "series 7", null, null, null))).isEqualTo("UNKNOWN");
    }

    @Test
    void outsideTheScopeSaysWhy() {
        assertThat(SCOPE.outside(acq("BRAIN", "t1 axial", null, null, null), null))
                .isEmpty();
        assertThat(SCOPE.outside(acq("", "t1 axial", null, null, null), null)).isEmpty();
        assertThat(SCOPE.outside(acq("KNEE", "t1 sag", null, null, null), null))
                .hasValueSatisfying(r -> assertThat(r).contains("KNEE"));
        assertThat(SCOPE.outside(acq("HEAD", "dwi b1000", null, null, null), null))
                .hasValueSatisfying(r -> assertThat(r).contains("DWI"));
        // the scope reads only the measured pixel spacing of the assessment
        Assessment coarse =
                Assessment.notApplicable("coarse", new Assessment.Measured(10, 64, 64, 5.0, 5.0, 5.0, null, null));
        assertThat(SCOPE.outside(acq("BRAIN", "t1", null, null, null), coarse))
                .hasValueSatisfying(r -> assertThat(r).contains("5.00 mm"));
    }

    /** A joint-stage run with --adv 1 --adv-f 0: G learned against D_G, F did not; F is not a GAN's generator. */
    @Test
    void fsOwnAdversarialWeightDecides() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(ModelConfig.adversarialWeight(json.readTree("{\"adv\": 1.0, \"adv_f\": 0.0}")))
                .isZero();
        assertThat(ModelConfig.adversarialWeight(json.readTree("{\"adv\": 1.0}")))
                .isEqualTo(1.0);
        assertThat(ModelConfig.adversarialWeight(json.readTree("{\"adv\": 0.0, \"adv_f\": 0.5}")))
                .isEqualTo(0.5);
        assertThat(ModelConfig.read(Path.of("models/sri-default-x2")).adversarial())
                .isFalse();
    }

    @Test
    void theDefaultModelDeclaresItsScope() throws Exception {
        ModelConfig c = ModelConfig.read(Path.of("models/sri-default-x2"));
        assertThat(c.scope()).isNotNull();
        assertThat(c.scope().contrasts()).contains("T1").doesNotContain("DWI", "FLAIR");
    }
}
