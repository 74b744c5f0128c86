package org.srinode.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link DicomHeaders#readAndCheck} refuses: each case is a data set a hostile or broken peer sent (issue 11). */
class InstanceChecksTest {
    private static final String SOP = "1.2.3.1.1.1";
    private static final int SQ_TAG = 0x00081140; // Referenced Image Sequence

    @TempDir
    Path dir;

    private Path file(TestPart10 ds) throws Exception {
        return ds.write(dir.resolve(System.nanoTime() + ".dcm"), TestPart10.MR, SOP);
    }

    private void refused(TestPart10 ds, String why) throws Exception {
        Path f = file(ds);
        assertThatThrownBy(() -> DicomHeaders.readAndCheck(f, TestPart10.MR, SOP))
                .isInstanceOf(InvalidDicomException.class)
                .hasMessageContaining(why);
    }

    @Test
    void aValidImagePasses() throws Exception {
        InstanceHeader h = DicomHeaders.readAndCheck(file(TestPart10.mr(SOP).pixels(4, 4, 32)), TestPart10.MR, SOP);
        assertThat(h.seriesInstanceUid()).isEqualTo("1.2.3.1.1");
        assertThat(h.modality()).isEqualTo("MR");
    }

    /** A Deflated Explicit VR Little Endian file (PS3.5 A.5): the data set's parts deflated, {@code zeros} between. */
    private Path deflated(byte[] before, long zeros, byte[] after) throws Exception {
        java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(
                packed, new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION, true))) {
            z.write(before);
            byte[] block = new byte[1 << 20];
            for (long left = zeros; left > 0; left -= block.length) {
                z.write(block, 0, (int) Math.min(left, block.length));
            }
            z.write(after);
        }
        return new TestPart10("1.2.840.10008.1.2.1.99")
                .raw(packed.toByteArray())
                .write(dir.resolve(System.nanoTime() + ".dcm"), TestPart10.MR, SOP);
    }

    @Test
    void aDeflatedImagePassesAndADeflateBombIsRefusedBeforeItIsInflatedIntoMemory() throws Exception {
        byte[] image = TestPart10.mr(SOP).pixels(4, 4, 32).dataset();
        InstanceHeader h = DicomHeaders.readAndCheck(deflated(image, 0, new byte[0]), TestPart10.MR, SOP);
        assertThat(h.transferSyntaxUid()).isEqualTo("1.2.840.10008.1.2.1.99");
        // 80 MiB of zeros in a private OB element: about 80 KB on the wire, 80 MiB on the heap once parsed
        long big = 80L << 20;
        byte[] head = new TestPart10("x")
                .str(0x00080016, "UI", TestPart10.MR)
                .str(0x00080018, "UI", SOP)
                .str(0x00080060, "CS", "MR")
                .header(0x00091010, "OB", big)
                .dataset();
        byte[] tail = new TestPart10("x")
                .str(0x0020000D, "UI", "1.2.3.1")
                .str(0x0020000E, "UI", "1.2.3.1.1")
                .pixels(4, 4, 32)
                .dataset();
        Path bomb = deflated(head, big, tail);
        assertThat(Files.size(bomb)).isLessThan(1 << 20);
        assertThatThrownBy(() -> DicomHeaders.readAndCheck(bomb, TestPart10.MR, SOP))
                .isInstanceOf(InvalidDicomException.class)
                .hasMessageContaining("would inflate to more than 64 MiB");
    }

    @Test
    void aDataSetOfMillionsOfEmptyItemsIsRefusedBeforeTheFullParse() throws Exception {
        // 8 bytes each on disk, some 100 bytes of Java objects each once parsed
        int n = (int) DatasetStructure.MAX_PARTS + 1;
        byte[] items = new byte[8 * n];
        for (int i = 0; i < n; i++) {
            items[8 * i] = (byte) 0xFE;
            items[8 * i + 1] = (byte) 0xFF;
            items[8 * i + 2] = 0x00;
            items[8 * i + 3] = (byte) 0xE0;
        }
        refused(
                TestPart10.mr(SOP).header(SQ_TAG, "SQ", items.length).raw(items).pixels(4, 4, 32),
                "more than 1000000 elements, items and delimiters");
    }

    @Test
    void anUndefinedLengthSequenceNeverClosedIsRefused() throws Exception {
        refused(
                TestPart10.mr(SOP)
                        .pixels(4, 4, 32)
                        .header(0x7FE10010, "SQ", 0xFFFFFFFFL)
                        .item(0xFFFEE000, 0xFFFFFFFFL)
                        .str(0x00080100, "SH", "X"),
                "never closed");
    }

    @Test
    void aDelimiterWithANonZeroLengthIsRefused() throws Exception {
        // the fuzz finding of session 3: dcmtk and PixelMed ignore the length, pydicom skips that many bytes and fails
        refused(
                TestPart10.mr(SOP)
                        .header(0x00081140, "SQ", 0xFFFFFFFFL)
                        .item(0xFFFEE000, 0xFFFFFFFFL)
                        .str(0x00080100, "SH", "X")
                        .item(0xFFFEE00D, 0x99000000L)
                        .item(0xFFFEE0DD, 0)
                        .pixels(4, 4, 32),
                "item delimiter");
        refused(
                TestPart10.mr(SOP)
                        .header(0x00081140, "SQ", 0xFFFFFFFFL)
                        .item(0xFFFEE000, 0xFFFFFFFFL)
                        .str(0x00080100, "SH", "X")
                        .item(0xFFFEE00D, 0)
                        .item(0xFFFEE0DD, 4)
                        .pixels(4, 4, 32),
                "sequence delimiter");
    }

    @Test
    void anElementDeclaringMoreThanTheDataHoldsIsRefusedWithoutAllocatingIt() throws Exception {
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        refused(
                TestPart10.mr(SOP)
                        .pixels(4, 4, 32)
                        .header(0x00091010, "OB", 64L << 20)
                        .raw(new byte[1000]),
                "declares 67108864 bytes");
        refused(TestPart10.mr(SOP).header(0x00091010, "OB", 0x7FFFFFF0L).raw(new byte[300]), "declares");
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertThat(after - before).as("no allocation of the declared size").isLessThan(256L << 20);
    }

    @Test
    void numberOfFramesOutOfRangeOrOverflowingIsRefused() throws Exception {
        for (String frames : new String[] {"0", "-1", Long.toString(1L << 61)}) {
            refused(TestPart10.mr(SOP).str(0x00280008, "IS", frames).pixels(4, 4, 32), "Number of Frames");
        }
    }

    @Test
    void samplesPerPixelZeroIsRefused() throws Exception {
        TestPart10 ds = TestPart10.mr(SOP)
                .us(0x00280002, 0)
                .str(0x00280004, "CS", "MONOCHROME2")
                .us(0x00280010, 1)
                .us(0x00280011, 1)
                .us(0x00280100, 16)
                .us(0x00280101, 16)
                .element(0x7FE00010, "OW", new byte[2]);
        refused(ds, "Samples per Pixel");
    }

    @Test
    void pixelDataWithoutSamplesPerPixelIsRefused() throws Exception {
        TestPart10 ds = TestPart10.mr(SOP)
                .str(0x00280004, "CS", "MONOCHROME2")
                .us(0x00280010, 4)
                .us(0x00280011, 4)
                .us(0x00280100, 16)
                .us(0x00280101, 16)
                .element(0x7FE00010, "OW", new byte[32]);
        refused(ds, "Pixel Data without Samples per Pixel (0028,0002)");
    }

    @Test
    void emptyOrShortPixelDataIsRefused() throws Exception {
        refused(TestPart10.mr(SOP).pixels(4, 4, 0), "empty");
        refused(TestPart10.mr(SOP).pixels(4, 4, 30), "the image needs 32");
    }

    @Test
    void nestingThousandsOfSequencesDeepIsRefusedWithoutRecursion() throws Exception {
        TestPart10 ds = TestPart10.mr(SOP).pixels(4, 4, 32);
        for (int i = 0; i < 2000; i++) {
            ds.header(0x00091010, "SQ", 0xFFFFFFFFL).item(0xFFFEE000, 0xFFFFFFFFL);
        }
        refused(ds, "nested more than");
    }

    @Test
    void valuesTheNodeStoresMustFitTheirVr() throws Exception {
        refused(
                TestPart10.mr(SOP)
                        .str(0x00080060, "CS", "MR_WITH_A_VERY_LONG_MODALITY")
                        .pixels(4, 4, 32),
                "Modality (0008,0060)");
        refused(TestPart10.mr(SOP).element(0x00280010, "US", new byte[3]).pixels(4, 4, 32), "not a multiple of 2");
    }

    @Test
    void aDataSetThatContradictsTheCommandIsRefused() throws Exception {
        Path f = file(TestPart10.mr(SOP).pixels(4, 4, 32));
        assertThatThrownBy(() -> DicomHeaders.readAndCheck(f, "1.2.840.10008.5.1.4.1.1.2", SOP))
                .isInstanceOfSatisfying(
                        InvalidDicomException.class,
                        e -> assertThat(e.kind()).isEqualTo(InvalidDicomException.Kind.DOES_NOT_MATCH_SOP_CLASS));
        assertThatThrownBy(() -> DicomHeaders.readAndCheck(f, TestPart10.MR, "1.2.3.4.5"))
                .hasMessageContaining("SOP Instance UID");
    }

    @Test
    void encapsulatedPixelDataMustAgreeWithTheImageHeader() throws Exception {
        byte[] jpeg = jpegHeader(64, 64, 1, 8);
        refused(encapsulated(65535, 64, 8, jpeg), "the JPEG frame is 64x64");
        refused(encapsulated(64, 64, 64, jpeg), "Bits Allocated (0028,0100) 64");
        Path ok = encapsulated(64, 64, 8, jpeg).write(dir.resolve("ok.dcm"), TestPart10.MR, SOP);
        assertThat(DicomHeaders.readAndCheck(ok, TestPart10.MR, SOP).sopInstanceUid())
                .isEqualTo(SOP);
        // no delimiter after the fragments: the data set ends inside Pixel Data
        TestPart10 open = base("1.2.840.10008.1.2.4.50", 64, 64, 8)
                .header(0x7FE00010, "OB", 0xFFFFFFFFL)
                .item(0xFFFEE000, 0)
                .item(0xFFFEE000, jpeg.length)
                .raw(jpeg);
        refused(open, "ends inside");
    }

    private static TestPart10 base(String ts, int rows, int cols, int bits) {
        return new TestPart10(ts)
                .str(0x00080016, "UI", TestPart10.MR)
                .str(0x00080018, "UI", SOP)
                .str(0x00080060, "CS", "MR")
                .str(0x0020000D, "UI", "1.2.3.1")
                .str(0x0020000E, "UI", "1.2.3.1.1")
                .us(0x00280002, 1)
                .str(0x00280004, "CS", "MONOCHROME2")
                .us(0x00280010, rows)
                .us(0x00280011, cols)
                .us(0x00280100, bits)
                .us(0x00280101, Math.min(bits, 8));
    }

    private static TestPart10 encapsulated(int rows, int cols, int bits, byte[] frame) {
        return base("1.2.840.10008.1.2.4.50", rows, cols, bits)
                .header(0x7FE00010, "OB", 0xFFFFFFFFL)
                .item(0xFFFEE000, 0)
                .item(0xFFFEE000, frame.length)
                .raw(frame)
                .item(0xFFFEE0DD, 0);
    }

    /** SOI and a baseline SOF0 segment, padded to an even length: enough for the header check. */
    private static byte[] jpegHeader(int rows, int cols, int components, int precision) {
        return new byte[] {
            (byte) 0xFF,
            (byte) 0xD8,
            (byte) 0xFF,
            (byte) 0xC0,
            0,
            11,
            (byte) precision,
            (byte) (rows >> 8),
            (byte) rows,
            (byte) (cols >> 8),
            (byte) cols,
            (byte) components,
            1,
            0x11,
            0,
            (byte) 0xFF,
            (byte) 0xD9,
            0
        };
    }

    /**
     * Every file of Debian's python3-pydicom test set with a File Meta Information: the real ones pass,
     * and exactly the known broken ones are refused.
     */
    @Test
    void realFilesFromThePydicomPackage() throws Exception {
        Path data = Path.of("/usr/lib/python3/dist-packages/pydicom/data/test_files");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isDirectory(data), "python3-pydicom test files not installed");
        java.util.Map<String, String> refused = new java.util.TreeMap<>();
        int passed = 0;
        try (var files = Files.list(data)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".dcm")).sorted().toList()) {
                try {
                    DicomHeaders.readAndCheck(f);
                    passed++;
                } catch (InvalidDicomException e) {
                    refused.put(f.getFileName().toString(), e.getMessage());
                }
            }
        }
        // files without a File Meta Information, fragments without identifying UIDs, and broken files
        assertThat(refused)
                .containsOnlyKeys(
                        "ExplVR_BigEndNoMeta.dcm",
                        "ExplVR_LitEndNoMeta.dcm",
                        "no_meta.dcm",
                        "rtstruct.dcm",
                        "meta_missing_tsyntax.dcm",
                        "UN_sequence.dcm",
                        "empty_charset_LEI.dcm",
                        "nested_priv_SQ.dcm",
                        "priv_SQ.dcm",
                        "no_meta_group_length.dcm",
                        "badVR.dcm",
                        "MR_truncated.dcm",
                        "rtplan_truncated.dcm",
                        // implicit VR data under an explicit VR transfer syntax
                        "SC_rgb_jpeg.dcm",
                        // a JPEG 2000 SIZ segment that announces 3722445056 columns for a 256-column image
                        "JPEG2000-embedded-sequence-delimiter.dcm");
        assertThat(refused.get("MR_truncated.dcm")).contains("(7FE0,0010) declares 8192 bytes but only 8130 remain");
        assertThat(passed).isGreaterThanOrEqualTo(50);
    }
}
