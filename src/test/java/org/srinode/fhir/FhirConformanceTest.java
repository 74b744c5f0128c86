package org.srinode.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * conformance/fhir.md and its example bundle against the code: the example is exactly what the
 * publisher builds for the documented sample (regenerate with -Dsri.regenerate=true), and every
 * finding code the code can emit is documented.
 */
class FhirConformanceTest {
    private static final Path PAGE = Path.of("conformance/fhir.md");
    private static final Path EXAMPLE = Path.of("conformance/fhir-example-r4.json");

    @Test
    void theExampleBundleIsWhatThePublisherBuilds() throws Exception {
        java.util.TimeZone zone = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
        try {
            FhirPublisher p =
                    new FhirPublisher("http://example.org/fhir", FhirVersion.R4, FhirPublisherTest.SYSTEM, true, 1000);
            String built = FhirVersion.R4
                    .context()
                    .newJsonParser()
                    .setPrettyPrint(true)
                    .encodeResourceToString(p.bundle(
                            FhirPublisherTest.publication("P7", FhirPublisherTest.STUDY, "ENHANCED", 0.048), null));
            if (Boolean.getBoolean("sri.regenerate")) {
                Files.writeString(EXAMPLE, built + "\n");
            }
            // the notes count slices from 1 and use the assessment's reasons' words (FindingTexts; indices 2, 1 and 3)
            assertThat(built)
                    .contains("1 slice(s) missing after slice 3, at ")
                    .contains("slice 2: zero-filled rectangle of 16x12 pixels at (20, 30) inside the head; "
                            + "blank, dropout or undecodable slice(s) [4]");
            ObjectMapper json = new ObjectMapper();
            assertThat(json.readTree(built))
                    .as("conformance/fhir-example-r4.json is stale: run this test with -Dsri.regenerate=true")
                    .isEqualTo(json.readTree(Files.readString(EXAMPLE)));
        } finally {
            java.util.TimeZone.setDefault(zone);
        }
    }

    @Test
    void everyFindingCodeIsDocumented() throws Exception {
        String page = Files.readString(PAGE);
        String code = Files.readString(Path.of("src/main/java/org/srinode/fhir/R4Bundle.java"));
        Matcher m =
                Pattern.compile("finding\\(\\s*all,\\s*key,\\s*\"([a-z-]+)\"").matcher(code);
        int n = 0;
        while (m.find()) {
            n++;
            assertThat(page)
                    .as("finding code %s in conformance/fhir.md", m.group(1))
                    .contains("`" + m.group(1) + "`");
        }
        assertThat(n).isEqualTo(5);
        assertThat(page)
                .contains(R4Bundle.FINDINGS_SYSTEM)
                .contains(R4Bundle.DICOM_UID_SYSTEM)
                .contains(R4Bundle.MODEL_SYSTEM);
    }
}
