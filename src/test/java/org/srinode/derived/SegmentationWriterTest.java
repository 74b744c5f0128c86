package org.srinode.derived;

import static org.assertj.core.api.Assertions.assertThat;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
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
import org.srinode.dicom.SegmentationWriter;
import org.srinode.dicom.SeriesFiles;
import org.srinode.enhance.Resample;

/** The Segmentation of inpainted regions: dciodvfy-clean, one frame per slice with a region, the right pixels set. */
class SegmentationWriterTest {
    @TempDir
    Path out;

    @Test
    void segmentationOfInpaintedRegionsIsValidAndExact() throws Exception {
        // Philips: its UIDs are valid (the GE test files carry 0.0.0.0 roots that dciodvfy rejects and the node must
        // keep)
        Path philips = Path.of(
                System.getProperty("sri.shared", "../shared"),
                "data/dicom/github-neurolabusc-dcm_qa_philips_enh/cl_1301");
        Assumptions.assumeTrue(Files.isDirectory(philips));
        Path src = out.resolve("src");
        Files.createDirectories(src);
        for (int i = 80; i < 85; i++) {
            Files.copy(philips.resolve(String.format("1301_%04d.dcm", i)), src.resolve(i + ".dcm"));
        }
        DerivedSpec spec = new DerivedSpec(
                DerivedUids.of("seg-test", "m", "1"),
                1000,
                "[AI]",
                "test",
                "m",
                "1",
                "sri-node 0.1.0",
                2,
                List.of("SR_X2", "INPAINT"));
        List<Path> derived = new ArrayList<>();
        List<ImageHeader> headers = SeriesFiles.alongNormal(SeriesFiles.headers(src));
        for (ImageHeader h : headers.subList(0, 5)) {
            float[] up = Resample.bilinear(SeriesFiles.pixels(Path.of(h.file())), h.columns(), h.rows(), 2);
            Path f = out.resolve("d").resolve(h.sopInstanceUid() + ".dcm");
            DerivedWriter.write(Path.of(h.file()), spec, up, h.rows() * 2, h.columns() * 2, f);
            derived.add(f);
        }
        int w = headers.get(0).columns() * 2;
        int h = headers.get(0).rows() * 2;
        List<boolean[]> masks = new ArrayList<>();
        int set = 0;
        for (int z = 0; z < 5; z++) {
            boolean[] m = new boolean[w * h];
            if (z == 1 || z == 3) {
                for (int y = 100; y < 140; y++) {
                    for (int x = 150; x < 210; x++) {
                        m[y * w + x] = true;
                        set++;
                    }
                }
            }
            masks.add(z == 4 ? null : m);
        }
        Path seg = out.resolve("seg.dcm");
        assertThat(SegmentationWriter.write(
                        derived, masks, DerivedUids.of("seg-test", "m", "1", "seg"), 1001, "sri-node 0.1.0", seg))
                .isEqualTo(2);
        Dciodvfy.assertClean(seg);
        AttributeList l = new AttributeList();
        l.read(seg.toString());
        assertThat(Attribute.getSingleIntegerValueOrDefault(l, TagFromName.NumberOfFrames, 0))
                .isEqualTo(2);
        byte[] bits = l.get(TagFromName.PixelData).getByteValues();
        int ones = 0;
        for (byte b : bits) {
            ones += Integer.bitCount(b & 0xff);
        }
        assertThat(ones).isEqualTo(set);
        assertThat(SegmentationWriter.write(
                        derived, List.of(new boolean[w * h]), "2.25.1", 1001, "x", out.resolve("none.dcm")))
                .isZero();
    }
}
