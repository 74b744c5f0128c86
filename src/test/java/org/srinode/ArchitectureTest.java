package org.srinode;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The dependency rules of STYLE.md, checked on the compiled main classes. */
class ArchitectureTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.srinode");

    @Test
    void onlyDimseAndDicomTouchPixelMed() {
        noClasses()
                .that()
                .resideOutsideOfPackages("org.srinode.dimse..", "org.srinode.dicom..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.pixelmed..")
                .check(MAIN);
    }

    @Test
    void domainFeaturesKnowNothingOfCamelQuarkusOrPixelMed() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "org.srinode.volume..",
                        "org.srinode.quality..",
                        "org.srinode.enhance..",
                        "org.srinode.imaging..",
                        "org.srinode.derived..",
                        "org.srinode.spool..",
                        "org.srinode.files..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.camel..",
                        "io.quarkus..",
                        "com.pixelmed..",
                        "jakarta.enterprise..",
                        "jakarta.inject..")
                .allowEmptyShould(true)
                .check(MAIN);
    }

    @Test
    void dicomPartTenCodeDoesNotKnowTheNetwork() {
        noClasses()
                .that()
                .resideInAPackage("org.srinode.dicom..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.srinode.dimse..", "com.pixelmed.network..", "org.apache.camel..")
                .check(MAIN);
    }

    @Test
    void noCyclesBetweenPackages() {
        // the node's entry point (org.srinode.NodeMain) is outside every slice
        slices().matching("org.srinode.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theJobQueueKnowsOnlyTheDatabase() {
        noClasses()
                .that()
                .resideInAPackage("org.srinode.jobs..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.srinode.series..",
                        "org.srinode.pipeline..",
                        "org.srinode.forward..",
                        "org.srinode.api..",
                        "org.srinode.dimse..",
                        "org.srinode.fhir..",
                        "org.apache.camel.spi..")
                .check(MAIN);
    }

    @Test
    void seriesAndForwardingDoNotReachIntoTheStagesOrTheApi() {
        noClasses()
                .that()
                .resideInAnyPackage("org.srinode.series..", "org.srinode.forward..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.srinode.pipeline..", "org.srinode.api..", "org.srinode.enhance..", "org.srinode.fhir..")
                .check(MAIN);
    }
}
