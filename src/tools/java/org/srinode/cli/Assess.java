package org.srinode.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SeriesFiles;
import org.srinode.quality.Assessment;
import org.srinode.quality.Assessor;
import org.srinode.quality.QualityTargets;

/** {@code assess <series folder>}: the assessment of each series found in the folder, as JSON on stdout. */
final class Assess {
    private Assess() {}

    static int run(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: ./sri-node assess <folder of one DICOM series>");
            return 2;
        }
        Path folder = Path.of(args[0]);
        if (!Files.isDirectory(folder)) {
            System.err.println("not a folder: " + folder);
            return 2;
        }
        List<ImageHeader> headers = SeriesFiles.headers(folder);
        if (headers.isEmpty()) {
            System.err.println("no DICOM file in " + folder);
            return 2;
        }
        Map<String, List<ImageHeader>> bySeries = new LinkedHashMap<>();
        headers.forEach(h -> bySeries.computeIfAbsent(h.seriesInstanceUid(), k -> new ArrayList<>())
                .add(h));
        Assessor assessor = new Assessor(QualityTargets.defaults());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, List<ImageHeader>> e : bySeries.entrySet()) {
            Assessment a = assessor.assess(e.getValue(), h -> SeriesFiles.pixels(Path.of(h.file())));
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("seriesInstanceUid", e.getKey());
            item.put("assessment", a);
            out.add(item);
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        System.out.println(json.writeValueAsString(out.size() == 1 ? out.get(0) : out));
        return 0;
    }
}
