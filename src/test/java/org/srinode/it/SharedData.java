package org.srinode.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The development data in ../shared/data (never copied into the project). */
final class SharedData {
    private SharedData() {
    }

    /** The .dcm files of a folder, sorted by name. */
    static java.util.List<Path> dcmFiles(Path folder) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".dcm")).sorted().toList();
        }
    }

    static Path dicom(String relative) {
        Path p = Path.of(System.getProperty("sri.shared", "../shared")).resolve("data/dicom").resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "shared test data not present: " + p);
        return p;
    }

    /** Colin27 (ch2.nii.gz): Debian's mricron-data (installed by ./sri-node), else the copy in ../shared. */
    static Path colin27() {
        Path debian = Path.of("/usr/share/mricron/templates/ch2.nii.gz");
        if (Files.exists(debian)) {
            return debian;
        }
        Path p = Path.of(System.getProperty("sri.shared", "../shared")).resolve("data/mri/debian-mricron-data-colin27/ch2.nii.gz");
        Assumptions.assumeTrue(Files.exists(p), "Colin27 not present: install mricron-data");
        return p;
    }
}
