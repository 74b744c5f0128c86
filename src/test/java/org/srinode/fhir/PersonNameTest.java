package org.srinode.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** Issue 13 item 2: DICOM Person Name component groups become FHIR names, not a given name "Tarou=山田". */
class PersonNameTest {
    @Test
    void theAlphabeticGroupIsTheNameAndTheOthersAreMarkedNames() {
        Patient p = new Patient();
        R4Bundle.addNames(p, "Yamada^Tarou=山田^太郎=やまだ^たろう");
        assertThat(p.getName()).hasSize(3);
        HumanName abc = p.getName().get(0);
        assertThat(abc.getFamily()).isEqualTo("Yamada");
        assertThat(abc.getGivenAsSingleString()).isEqualTo("Tarou");
        assertThat(abc.getExtension()).isEmpty();
        assertThat(p.getName().get(1).getFamily()).isEqualTo("山田");
        assertThat(p.getName()
                        .get(1)
                        .getExtensionByUrl(R4Bundle.REPRESENTATION)
                        .getValue()
                        .primitiveValue())
                .isEqualTo("IDE");
        assertThat(p.getName().get(2).getGivenAsSingleString()).isEqualTo("たろう");
        assertThat(p.getName()
                        .get(2)
                        .getExtensionByUrl(R4Bundle.REPRESENTATION)
                        .getValue()
                        .primitiveValue())
                .isEqualTo("SYL");
    }

    @Test
    void middleNamesPrefixesAndSuffixesAndEmptyGroups() {
        Patient p = new Patient();
        R4Bundle.addNames(p, "Doe^John^Q^Dr^Jr==");
        assertThat(p.getName()).hasSize(1);
        assertThat(p.getName().get(0).getGiven())
                .extracting(org.hl7.fhir.r4.model.StringType::getValue)
                .containsExactly("John", "Q");
        assertThat(p.getName().get(0).getPrefixAsSingleString()).isEqualTo("Dr");
        assertThat(p.getName().get(0).getSuffixAsSingleString()).isEqualTo("Jr");
    }
}
