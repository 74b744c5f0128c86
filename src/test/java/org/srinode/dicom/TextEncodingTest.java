package org.srinode.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 2: what the node writes from a source in any character set reads back, in pydicom
 * and in dcmtk, with the source's Patient Name (every component group) and the added text intact.
 */
class TextEncodingTest {
    private static final Path CHARSETS = Path.of("/usr/lib/python3/dist-packages/pydicom/data/charset_files");
    private static final String ADDED = "Tête äöü 山田 [AI-enhanced SRI]";

    @TempDir
    Path dir;

    @Test
    void derivedObjectsKeepNamesAndEncodeAddedTextInEveryCharacterSet() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(CHARSETS), "python3-pydicom charset files not installed");
        List<String> pairs = new ArrayList<>();
        for (String name : new String[] {
            "chrFren.dcm",
            "chrGerm.dcm",
            "chrX2.dcm",
            "chrH31.dcm",
            "chrH32.dcm",
            "chrI2.dcm",
            "chrGreek.dcm",
            "chrHbrw.dcm",
            "chrArab.dcm",
            "chrRuss.dcm",
            "chrX1.dcm",
            "chrSQEncoding1.dcm"
        }) {
            Path source = CHARSETS.resolve(name);
            AttributeList l = new AttributeList();
            l.read(source.toString());
            l.remove(TagFromName.PixelData);
            put(l, new UniqueIdentifierAttribute(TagFromName.SOPClassUID), "1.2.840.10008.5.1.4.1.1.7");
            put(l, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), "1.2.3.4");
            put(l, new LongStringAttribute(TagFromName.SeriesDescription), ADDED);
            Path out = dir.resolve(name);
            DurableFile.write(l, out);
            pairs.add(source + "|" + out);
        }
        // pydicom reads both: the names must be equal and the description what the node wrote
        String script = "import sys,pydicom\n"
                + "for pair in sys.argv[1:]:\n"
                + "    a,b=pair.split('|'); o=pydicom.dcmread(a); d=pydicom.dcmread(b)\n"
                + "    names=[str(e.value) for e in o.iterall() if e.VR=='PN']; back=[str(e.value) for e in d.iterall() if e.VR=='PN']\n"
                + "    print(b.split('/')[-1], names==back, d.SeriesDescription==sys.argv[0] or d.SeriesDescription, d.SpecificCharacterSet)\n";
        List<String> cmd =
                new ArrayList<>(List.of("/usr/bin/python3", "-c", script.replace("sys.argv[0]", "'" + ADDED + "'")));
        cmd.addAll(pairs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
        assertThat(output.lines().toList())
                .as(output)
                .hasSize(pairs.size())
                .allMatch(line -> line.contains(" True True ISO_IR 192"));
        // dcmtk converts to UTF-8 for display: the Japanese groups are there, no question marks
        Process d = new ProcessBuilder(
                        "dcmdump", "+U8", dir.resolve("chrH31.dcm").toString())
                .redirectErrorStream(true)
                .start();
        String dump = new String(d.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        d.waitFor();
        assertThat(dump).contains("Yamada^Tarou=山田^太郎=やまだ^たろう").contains(ADDED).doesNotContain("??");
    }

    @Test
    void anAllAsciiObjectKeepsItsCharacterSet() throws Exception {
        AttributeList l = new AttributeList();
        put(l, new LongStringAttribute(TagFromName.SeriesDescription), "T1 AX [AI-enhanced SRI]");
        assertThat(TextEncoding.prepare(l)).isFalse();
        assertThat(l.get(TagFromName.SpecificCharacterSet)).isNull();
    }

    private static void put(AttributeList l, com.pixelmed.dicom.Attribute a, String v) throws Exception {
        a.addValue(v);
        l.put(a);
    }
}
