package org.srinode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SeriesFiles;
import org.srinode.dicom.VolumeWriter;
import org.srinode.evaluate.Metrics;
import org.srinode.imaging.Images;
import org.srinode.imaging.Montage;
import org.srinode.volume.Nifti;
import org.srinode.volume.Volume;

/**
 * The demo's client side (./sri-node demo starts Orthanc and the node, then runs this): turns a real
 * brain MRI into a low-quality MR series (x2 lower resolution, noise, two missing slices, a zero-filled
 * rectangle, 0.5 T in the header), sends it to the node with storescu, waits until the node has
 * assessed, enhanced, stored and published it, then measures the result against the known original and
 * writes a montage and an HTML report.
 *
 * <p>Longer than the project's 300 lines: a tool, not the node; the simulation, the wait on the node's API and the
 * report are one script a reader follows from top to bottom.
 */
public final class Demo {
    static final int SLICES = 24;
    static final int HQ = 256;
    static final int SCALE = 2;
    public static final int HOLE_SLICE = 9;
    public static final int[] MISSING = {15, 16};
    private static final ObjectMapper JSON = new ObjectMapper();

    private Demo() {}

    public record Simulated(String seriesUid, List<float[]> hq, List<Integer> kept, int[] hole, Path folder) {}

    static int run(String[] args) throws Exception {
        Map<String, String> o =
                Main.pairs("demo", args, "--volume", "--output", "--node", "--dicom-port", "--derived-dir", "--pacs");
        if (o == null) {
            return 2;
        }
        Path volume = Path.of(o.getOrDefault("--volume", "/usr/share/mricron/templates/ch2.nii.gz"));
        Path out = Path.of(o.getOrDefault("--output", "demo-output"));
        String node = o.getOrDefault("--node", "http://localhost:8080");
        Integer dicomPort = Main.positive("--dicom-port", o.getOrDefault("--dicom-port", "11112"));
        if (dicomPort == null) {
            return 2;
        }
        Path derivedDir = Path.of(o.getOrDefault("--derived-dir", "demo-output/node/derived"));
        String pacs = o.get("--pacs");
        if (!Files.exists(volume)) {
            System.err.println(
                    volume
                            + " is missing: install Debian's mricron-data (./sri-node demo does) or pass --volume <NIfTI file>");
            return 2;
        }
        Files.createDirectories(out);
        say("1/5 simulating a low-quality acquisition from " + volume);
        Simulated sim = simulate(Nifti.read(volume), out.resolve("acquired"));
        say(String.format(
                Locale.ROOT,
                "    %d of %d slices, %dx%d at %.0f mm, Rician noise, a zero-filled 24x16 rectangle in slice %d, "
                        + "slices %d and %d missing, 0.5 T",
                sim.kept().size(),
                SLICES,
                HQ / SCALE,
                HQ / SCALE,
                SCALE * 1.0,
                HOLE_SLICE + 1,
                MISSING[0] + 1,
                MISSING[1] + 1));
        say("2/5 sending it to the node with storescu (C-STORE to SRI_NODE@localhost:" + dicomPort + ")");
        long sent = System.nanoTime();
        List<String> cmd =
                new ArrayList<>(List.of("storescu", "-aec", "SRI_NODE", "localhost", Integer.toString(dicomPort)));
        try (var files = Files.list(sim.folder())) {
            files.sorted().forEach(f -> cmd.add(f.toString()));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            System.err.println("storescu failed:\n" + log);
            return 1;
        }
        say("3/5 waiting for the node: assessment, enhancement, derived series to the PACS, FHIR");
        JsonNode source = waitFor(node, sim.seriesUid());
        if (source == null) {
            return 1;
        }
        double seconds = (System.nanoTime() - sent) / 1e9;
        String derivedUid = source.path("derivedSeries").path(0).asText();
        JsonNode derived = get(node + "/api/series/" + derivedUid);
        say("4/5 measuring the derived series against the original");
        Path derivedFolder =
                derivedDir.resolve(source.at("/series/studyUid").asText()).resolve(derivedUid);
        Map<String, double[]> quality = measure(sim, derivedFolder, out);
        say("5/5 writing the report");
        Path report = report(out, sim, source, derived, quality, seconds, node, pacs);
        printSummary(source, derived, quality, seconds, out, report, node);
        return 0;
    }

    public static Simulated simulate(Volume v, Path folder) throws IOException {
        return simulate(v, folder, "T1 axial low field (simulated)", 20261126);
    }

    /** The demo's acquisition with another Series Description and seed (new UIDs, other noise). */
    public static Simulated simulate(Volume v, Path folder, String description, long seed) throws IOException {
        return simulate(v, folder, description, seed, null);
    }

    /**
     * As {@link #simulate(Volume, Path, String, long)}; when {@code lateFolder} is not null the slices
     * missing from the acquisition are written there too (same series, degraded the same way, without the
     * hole), as a modality that sends them late would.
     */
    public static Simulated simulate(Volume v, Path folder, String description, long seed, Path lateFolder)
            throws IOException {
        return simulate(v, folder, description, seed, lateFolder, SCALE);
    }

    /**
     * As {@link #simulate(Volume, Path, String, long, Path)}, acquired at {@code scale} times the 1 mm grid (2: 128x128 at
     * 2 mm, which the assessment sends to the x2 model; 4: 64x64 at 4 mm, to the x4 model); the hole keeps its place and
     * size in the head.
     */
    public static Simulated simulate(Volume v, Path folder, String description, long seed, Path lateFolder, int scale)
            throws IOException {
        Random rnd = new Random(seed);
        int z0 = (int) Math.round(v.depth() * 0.45) - SLICES * 3 / 2;
        List<float[]> hq = new ArrayList<>();
        float max = 0;
        for (int i = 0; i < SLICES; i++) {
            float[] s = pad(v.slice(Math.max(0, Math.min(v.depth() - 1, z0 + 3 * i))), v.width(), v.height());
            hq.add(s);
            for (float x : s) {
                max = Math.max(max, x);
            }
        }
        for (float[] s : hq) {
            for (int k = 0; k < s.length; k++) {
                s[k] /= max;
            }
        }
        int lw = HQ / scale;
        int[] hole = {140 / scale, 100 / scale, 48 / scale, 32 / scale
        }; // x, y, width, height in acquired pixels, inside the head
        String root = "2.25." + Long.toUnsignedString(rnd.nextLong()) + Long.toUnsignedString(rnd.nextLong() >>> 8);
        List<VolumeWriter.Slice> slices = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < SLICES; i++) {
            if (i == MISSING[0] || i == MISSING[1]) {
                continue;
            }
            float[] lq = Images.areaDown(Images.gaussianBlur(hq.get(i), HQ, HQ, 0.6), HQ, HQ, scale);
            for (int k = 0; k < lq.length; k++) {
                double re = lq[k] + 0.02 * rnd.nextGaussian();
                double im = 0.02 * rnd.nextGaussian();
                lq[k] = (float) Math.sqrt(re * re + im * im);
            }
            if (i == HOLE_SLICE) {
                for (int y = hole[1]; y < hole[1] + hole[3]; y++) {
                    for (int x = hole[0]; x < hole[0] + hole[2]; x++) {
                        lq[y * lw + x] = 0;
                    }
                }
            }
            kept.add(i);
            slices.add(new VolumeWriter.Slice(lq, i * 3.0, i + 1));
        }
        VolumeWriter.SeriesSpec spec = new VolumeWriter.SeriesSpec(
                "SRI-DEMO-1",
                "DEMO^COLIN27",
                root + ".1",
                root + ".2",
                root + ".3",
                5,
                description,
                0.5,
                scale * 1.0,
                3.0,
                SLICES);
        if (Files.isDirectory(folder)) {
            try (var old = Files.list(folder)) {
                for (Path f : old.toList()) {
                    Files.delete(f);
                }
            }
        }
        VolumeWriter.write(spec, slices, lw, lw, folder);
        if (lateFolder != null) {
            List<VolumeWriter.Slice> late = new ArrayList<>();
            for (int i : MISSING) {
                float[] lq = Images.areaDown(Images.gaussianBlur(hq.get(i), HQ, HQ, 0.6), HQ, HQ, scale);
                for (int k = 0; k < lq.length; k++) {
                    double re = lq[k] + 0.02 * rnd.nextGaussian();
                    double im = 0.02 * rnd.nextGaussian();
                    lq[k] = (float) Math.sqrt(re * re + im * im);
                }
                late.add(new VolumeWriter.Slice(lq, i * 3.0, i + 1));
            }
            Files.createDirectories(lateFolder);
            VolumeWriter.write(spec, late, lw, lw, lateFolder);
        }
        return new Simulated(root + ".2", hq, kept, hole, folder);
    }

    private static float[] pad(float[] s, int w, int h) {
        float[] out = new float[HQ * HQ];
        int ox = (HQ - w) / 2;
        int oy = (HQ - h) / 2;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int tx = x + ox;
                int ty = (h - 1 - y) + oy; // NIfTI rows run posterior to anterior; DICOM rows run anterior to posterior
                if (tx >= 0 && tx < HQ && ty >= 0 && ty < HQ) {
                    out[ty * HQ + tx] = s[y * w + x];
                }
            }
        }
        return out;
    }

    private static JsonNode waitFor(String node, String seriesUid) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            JsonNode v = getOrNull(node + "/api/series/" + seriesUid);
            String state = v == null ? "not received yet" : describe(node, v);
            if (!state.equals(last)) {
                say("    " + state);
                last = state;
            }
            if (v != null && "FORWARD_ONLY".equals(v.at("/series/decision").asText())) {
                System.err.println("the node decided not to enhance the series: " + v.path("assessment"));
                return null;
            }
            if (v != null && v.path("derivedSeries").size() > 0) {
                JsonNode d = getOrNull(
                        node + "/api/series/" + v.path("derivedSeries").path(0).asText());
                boolean published = d != null && d.at("/series/fhirRef").isTextual();
                boolean dead =
                        d != null && d.path("jobs").findValuesAsText("state").contains("DEAD");
                boolean forwarded = d != null
                        && (d.path("jobs").findValuesAsText("kind").stream().noneMatch("FORWARD"::equals)
                                || jobState(d, "FORWARD").equals("DONE"));
                if (published && forwarded || dead) {
                    return getOrNull(node + "/api/series/" + seriesUid);
                }
            }
            Thread.sleep(500);
        }
        System.err.println("the node did not finish within 10 minutes: see " + node + "/ and its log");
        return null;
    }

    private static String describe(String node, JsonNode v) throws Exception {
        StringBuilder s = new StringBuilder(v.at("/series/state").asText());
        for (JsonNode j : v.path("jobs")) {
            s.append(", ")
                    .append(j.path("kind").asText())
                    .append(' ')
                    .append(j.path("state").asText());
        }
        if (v.path("derivedSeries").size() > 0) {
            JsonNode d = getOrNull(
                    node + "/api/series/" + v.path("derivedSeries").path(0).asText());
            if (d != null) {
                s.append("; derived series:");
                for (JsonNode j : d.path("jobs")) {
                    s.append(' ')
                            .append(j.path("kind").asText())
                            .append(' ')
                            .append(j.path("state").asText());
                }
            }
        }
        return s.toString();
    }

    private static String jobState(JsonNode view, String kind) {
        for (JsonNode j : view.path("jobs")) {
            if (kind.equals(j.path("kind").asText())) {
                return j.path("state").asText();
            }
        }
        return "";
    }

    /**
     * PSNR/SSIM of bicubic and of the node's derived series against the original slices: over the head
     * of the acquired slices, inside the corrupted rectangle, and over the head of the two slices the
     * node filled (baseline: linear interpolation between the bicubic neighbours).
     */
    static Map<String, double[]> measure(Simulated sim, Path derivedFolder, Path out) throws Exception {
        List<ImageHeader> derived = SeriesFiles.alongNormal(SeriesFiles.headers(derivedFolder));
        List<ImageHeader> acquired = SeriesFiles.alongNormal(SeriesFiles.headers(sim.folder()));
        if (derived.size() != SLICES) {
            throw new IllegalStateException("the derived series has " + derived.size() + " slices, expected " + SLICES
                    + " (the acquired ones and the filled ones)");
        }
        List<float[]> bicubic = new ArrayList<>();
        for (int i = 0; i < SLICES; i++) {
            int k = sim.kept().indexOf(i);
            bicubic.add(
                    k < 0
                            ? null
                            : Images.bicubicUp(
                                    SeriesFiles.pixels(Path.of(acquired.get(k).file())),
                                    HQ / SCALE,
                                    HQ / SCALE,
                                    SCALE));
        }
        double[] bic = new double[6];
        double[] mod = new double[6];
        for (int i = 0; i < SLICES; i++) {
            float[] hq = sim.hq().get(i);
            float[] sr = SeriesFiles.pixels(Path.of(derived.get(i).file()));
            float[] up = bicubic.get(i);
            boolean filled = up == null;
            if (filled) {
                int a = i - 1;
                while (bicubic.get(a) == null) {
                    a--;
                }
                int b = i + 1;
                while (bicubic.get(b) == null) {
                    b++;
                }
                float t = (float) (i - a) / (b - a);
                up = new float[hq.length];
                for (int p = 0; p < up.length; p++) {
                    up[p] = (1 - t) * bicubic.get(a)[p] + t * bicubic.get(b)[p];
                }
            }
            boolean[] fg = new boolean[hq.length];
            for (int p = 0; p < hq.length; p++) {
                fg[p] = hq[p] > 0.05f;
            }
            int n = filled ? MISSING.length : sim.kept().size();
            int o = filled ? 4 : 0;
            bic[o] += Metrics.psnr(hq, up, fg) / n;
            bic[o + 1] += Metrics.ssim(hq, up, HQ, HQ, fg) / n;
            mod[o] += Metrics.psnr(hq, sr, fg) / n;
            mod[o + 1] += Metrics.ssim(hq, sr, HQ, HQ, fg) / n;
            List<String> captions = List.of(
                    filled ? "missing in the acquisition" : "acquired (nearest x2)",
                    filled ? "linear between bicubic neighbours" : "bicubic x2",
                    filled ? "filled by the node" : "AI-enhanced (node)",
                    "original");
            float[] lq = filled
                    ? new float[HQ * HQ]
                    : Images.nearestUp(
                            SeriesFiles.pixels(
                                    Path.of(acquired.get(sim.kept().indexOf(i)).file())),
                            HQ / SCALE,
                            HQ / SCALE,
                            SCALE);
            if (i == HOLE_SLICE) {
                boolean[] hole = new boolean[hq.length];
                int[] r = sim.hole();
                for (int y = r[1] * SCALE; y < (r[1] + r[3]) * SCALE; y++) {
                    for (int x = r[0] * SCALE; x < (r[0] + r[2]) * SCALE; x++) {
                        hole[y * HQ + x] = true;
                    }
                }
                bic[2] = Metrics.psnr(hq, up, hole);
                bic[3] = Metrics.ssim(hq, up, HQ, HQ, hole);
                mod[2] = Metrics.psnr(hq, sr, hole);
                mod[3] = Metrics.ssim(hq, sr, HQ, HQ, hole);
                Montage.write(out.resolve("montage-corrupted-slice.png"), captions, List.of(lq, up, sr, hq), HQ, HQ);
            }
            if (i == 5) {
                Montage.write(out.resolve("montage-slice.png"), captions, List.of(lq, up, sr, hq), HQ, HQ);
            }
            if (i == MISSING[0]) {
                Montage.write(out.resolve("montage-filled-slice.png"), captions, List.of(lq, up, sr, hq), HQ, HQ);
            }
        }
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("bicubic", bic);
        m.put("node", mod);
        return m;
    }

    private static Path report(
            Path out,
            Simulated sim,
            JsonNode source,
            JsonNode derived,
            Map<String, double[]> q,
            double seconds,
            String node,
            String pacs)
            throws IOException {
        StringBuilder h = new StringBuilder();
        h.append(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
                        + "initial-scale=1\"><title>sri-node demo</title><style>body{font:15px system-ui,sans-serif;max-width:1100px;margin:auto;"
                        + "padding:12px}table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:3px 10px 3px 0;text-align:left}"
                        + "img{max-width:100%}</style></head><body>");
        h.append(
                "<h1>sri-node demo</h1><p>A real brain MRI (Colin27, <code>ch2.nii.gz</code> from Debian's mricron-data) was turned "
                        + "into a low-quality MR series and sent to the node with <code>storescu</code>. Everything below was done by the node "
                        + "on its own; the original is known, so the result can be measured.</p>");
        h.append("<h2>What the node found</h2><ul>");
        for (JsonNode r : source.at("/assessment/reasons")) {
            h.append("<li>").append(esc(r.asText())).append("</li>");
        }
        h.append("</ul><p>Actions: ")
                .append(esc(String.join(", ", texts(source.at("/assessment/actions")))))
                .append("; decision <b>")
                .append(esc(source.at("/series/decision").asText()))
                .append("</b>, outcome <b>")
                .append(esc(source.at("/series/outcome").asText()))
                .append("</b>, data consistency ")
                .append(String.format(
                        Locale.ROOT, "%.3f", source.at("/series/consistency").asDouble()))
                .append(".</p>");
        h.append("<h2>Time per stage</h2><table><tr><th>stage</th><th>seconds</th></tr>");
        for (Map.Entry<String, Long> e : stages(source, derived).entrySet()) {
            h.append(String.format(
                    Locale.ROOT, "<tr><td>%s</td><td>%.2f</td></tr>", esc(e.getKey()), e.getValue() / 1e3));
        }
        h.append(String.format(
                Locale.ROOT,
                "<tr><td>first instance sent to derived series stored and published</td><td>%.1f</td></tr>"
                        + "</table><p>(a series is complete when no instance arrived for <code>SRI_SERIES_IDLE_TIMEOUT</code>: 3 s in the demo)</p>",
                seconds));
        h.append("<h2>Quality against the original</h2><table><tr><th></th><th>PSNR head (dB)</th><th>SSIM head</th>"
                + "<th>PSNR corrupted region (dB)</th><th>SSIM corrupted region</th><th>PSNR filled slices (dB)</th>"
                + "<th>SSIM filled slices</th></tr>");
        for (Map.Entry<String, double[]> e : q.entrySet()) {
            double[] v = e.getValue();
            h.append(String.format(
                    Locale.ROOT,
                    "<tr><td>%s</td><td>%.2f</td><td>%.4f</td><td>%.2f</td><td>%.4f</td><td>%.2f</td><td>%.4f</td></tr>",
                    e.getKey().equals("node")
                            ? "AI-enhanced by the node"
                            : "bicubic x2 of the acquired series (filled slices: linear "
                                    + "interpolation of the bicubic neighbours)",
                    v[0],
                    v[1],
                    v[2],
                    v[3],
                    v[4],
                    v[5]));
        }
        h.append("</table><p>Head: the ")
                .append(sim.kept().size())
                .append(" acquired slices; filled slices: the two slices missing in "
                        + "the acquisition, which the node filled.</p>");
        h.append(
                "<h2>Before and after</h2><img src=\"montage-corrupted-slice.png\" alt=\"corrupted slice\"><br>"
                        + "<img src=\"montage-slice.png\" alt=\"a slice\"><br><img src=\"montage-filled-slice.png\" alt=\"a filled slice\">");
        h.append("<h2>Where the results are</h2><ul>");
        h.append("<li>derived series <code>")
                .append(esc(derived.at("/series/seriesUid").asText()))
                .append("</code> (")
                .append(derived.at("/series/instances").asInt())
                .append(" instances)")
                .append(
                        pacs == null
                                ? " in the node's outbox folder"
                                : " in Orthanc: <a href=\"" + esc(pacs) + "/app/explorer.html\">" + esc(pacs) + "</a>")
                .append("</li>");
        String fhir = derived.at("/series/fhirRef").asText();
        h.append("<li>FHIR (node sandbox): <a href=\"")
                .append(esc(node))
                .append("/fhir/")
                .append(esc(fhir))
                .append("\">")
                .append(esc(fhir))
                .append("</a>, <a href=\"")
                .append(esc(node))
                .append("/fhir/Provenance?target=")
                .append(esc(fhir))
                .append("\">Provenance</a>, ")
                .append("<a href=\"")
                .append(esc(node))
                .append("/fhir/Observation?derived-from=")
                .append(esc(fhir))
                .append("\">Observations</a></li>");
        h.append("<li>the node's page: <a href=\"")
                .append(esc(node))
                .append("/\">")
                .append(esc(node))
                .append("/</a> (while it runs)</li>");
        h.append("</ul></body></html>\n");
        Path file = out.resolve("report.html");
        Files.writeString(file, h);
        return file;
    }

    private static Map<String, Long> stages(JsonNode source, JsonNode derived) {
        Map<String, Long> t = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it =
                        source.path("stageMillis").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            t.put(
                    e.getKey().equals("FORWARD") ? "FORWARD (originals to the PACS)" : e.getKey(),
                    e.getValue().asLong());
        }
        long fwd = derived.path("stageMillis").path("FORWARD").asLong(-1);
        if (fwd >= 0) {
            t.put("FORWARD (derived series to the PACS)", fwd);
        }
        return t;
    }

    private static void printSummary(
            JsonNode source,
            JsonNode derived,
            Map<String, double[]> q,
            double seconds,
            Path out,
            Path report,
            String node) {
        System.out.println();
        System.out.println("findings:   " + String.join("; ", texts(source.at("/assessment/reasons"))));
        System.out.println("outcome:    " + source.at("/series/outcome").asText()
                + String.format(
                        Locale.ROOT,
                        ", data consistency %.3f",
                        source.at("/series/consistency").asDouble()) + ", derived series "
                + derived.at("/series/seriesUid").asText());
        StringBuilder st = new StringBuilder();
        stages(source, derived).forEach((k, v) -> st.append(String.format(Locale.ROOT, "%s %.2f s; ", k, v / 1e3)));
        System.out.println("stages:     " + st + String.format(Locale.ROOT, "sent to published %.1f s", seconds));
        double[] b = q.get("bicubic");
        double[] m = q.get("node");
        System.out.printf(
                Locale.ROOT,
                "quality:    head PSNR %.2f dB / SSIM %.4f (bicubic %.2f / %.4f); corrupted region PSNR %.2f dB "
                        + "(bicubic %.2f); filled slices PSNR %.2f dB (linear between bicubic neighbours %.2f)%n",
                m[0],
                m[1],
                b[0],
                b[1],
                m[2],
                b[2],
                m[4],
                b[4]);
        System.out.println(
                "FHIR:       " + node + "/fhir/" + derived.at("/series/fhirRef").asText());
        System.out.println("report:     " + report.toAbsolutePath() + " (montages in " + out.toAbsolutePath() + ")");
    }

    private static List<String> texts(JsonNode arr) {
        List<String> l = new ArrayList<>();
        arr.forEach(n -> l.add(n.asText()));
        return l;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static JsonNode get(String url) throws Exception {
        JsonNode n = getOrNull(url);
        if (n == null) {
            throw new IOException("GET " + url + " failed");
        }
        return n;
    }

    private static JsonNode getOrNull(String url) throws Exception {
        return NodeApi.getOrNull(url);
    }

    private static void say(String s) {
        System.err.println("[demo] " + s);
    }
}
