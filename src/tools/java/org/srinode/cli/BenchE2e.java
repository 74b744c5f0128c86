package org.srinode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.srinode.dicom.VolumeWriter;
import org.srinode.volume.Nifti;
import org.srinode.volume.Volume;

/**
 * {@code bench e2e} (run by bench/e2e.sh with a node and Orthanc up): a 256x256 series of 24 slices
 * (Colin27, 0.5 T in the header so that the rules enhance it) is sent N times with new UIDs, each time over --senders (default 4) concurrent storescu associations; for each
 * run, the time from the last instance acknowledged by the node to the derived series (512x512) fully
 * stored in Orthanc, split by stage from the node's own records. Prints the median per stage.
 */
final class BenchE2e {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The ENHANCE stage's phases as the node records them (stage ENHANCE_x) and their names in the table. */
    private static final String[][] PHASES = {
        {"READ", "read the source (headers, pixels)"},
        {"MODEL", "model inference (tiling, intensity mapping)"},
        {"CHECK", "data-consistency score"},
        {"WRITE", "write the derived files"},
        {"SEG", "write the Segmentation"},
        {"REGISTER", "read back, register, supersede"}
    };

    private BenchE2e() {}

    static int run(String[] args) throws Exception {
        Map<String, String> o = Main.pairs(
                "bench-e2e",
                args,
                "--node",
                "--pacs",
                "--dicom-port",
                "--runs",
                "--senders",
                "--output",
                "--volume",
                "--node-pid");
        if (o == null) {
            return 2;
        }
        String node = o.getOrDefault("--node", "http://localhost:8090");
        String pacs = o.get("--pacs");
        Integer port = Main.positive("--dicom-port", o.getOrDefault("--dicom-port", "11190"));
        Integer runs = Main.positive("--runs", o.getOrDefault("--runs", "5"));
        Integer sendersOption = Main.positive("--senders", o.getOrDefault("--senders", "4"));
        if (port == null || runs == null || sendersOption == null) {
            return 2;
        }
        int sendersPerRun = Math.min(24, sendersOption);
        Path work = Path.of(o.getOrDefault("--output", "bench-e2e"));
        Path volume = Path.of(o.getOrDefault("--volume", "/usr/share/mricron/templates/ch2.nii.gz"));
        if (pacs == null) {
            System.err.println("bench e2e needs Orthanc (--pacs http://localhost:<port>): install Debian's orthanc");
            return 2;
        }
        Volume v = Nifti.read(volume);
        List<Map<String, Double>> results = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            Path folder = work.resolve("run" + r);
            String series = write(v, folder, r);
            // the series split over several concurrent associations (storescu processes), as a busy site would send
            List<Path> all;
            try (var files = Files.list(folder)) {
                all = files.sorted().toList();
            }
            List<Process> senders = new ArrayList<>();
            for (int k = 0; k < sendersPerRun; k++) {
                List<String> cmd =
                        new ArrayList<>(List.of("storescu", "-aec", "SRI_NODE", "localhost", Integer.toString(port)));
                for (int i = k; i < all.size(); i += sendersPerRun) {
                    cmd.add(all.get(i).toString());
                }
                senders.add(new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start());
            }
            for (Process p : senders) {
                if (p.waitFor() != 0) {
                    System.err.println("storescu failed");
                    return 1;
                }
            }
            long start = System.nanoTime();
            Instant sentAt = Instant.now();
            String derived = null;
            while (true) {
                JsonNode view = get(node + "/api/series/" + series);
                if (view != null && view.path("derivedSeries").size() > 0) {
                    derived = view.path("derivedSeries").path(0).asText();
                    if (orthancInstances(pacs, derived) == 24) {
                        break;
                    }
                }
                if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
                    System.err.println("run " + r + ": no derived series in Orthanc after 10 minutes");
                    return 1;
                }
                Thread.sleep(100);
            }
            double total = (System.nanoTime() - start) / 1e9;
            JsonNode src = get(node + "/api/series/" + series);
            JsonNode der = get(node + "/api/series/" + derived);
            Map<String, Double> t = new LinkedHashMap<>();
            Instant last = Instant.parse(src.at("/series/lastReceivedAt").asText());
            Instant completed = Instant.parse(src.at("/series/completedAt").asText());
            t.put(
                    "series completion (idle timeout)",
                    Duration.between(sentAt.isAfter(last) ? last : sentAt, completed)
                                    .toMillis()
                            / 1e3);
            t.put("assessment", src.at("/stageMillis/ASSESS").asLong() / 1e3);
            t.put(
                    "enhancement (model + derived files)",
                    src.at("/stageMillis/ENHANCE").asLong() / 1e3);
            for (String[] phase : PHASES) {
                t.put(
                        "  " + phase[1],
                        src.at("/stageMillis/ENHANCE_" + phase[0]).asLong() / 1e3);
            }
            t.put(
                    "C-STORE of the derived series to Orthanc",
                    der.at("/stageMillis/FORWARD").asLong() / 1e3);
            double named = t.entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("  "))
                    .mapToDouble(Map.Entry::getValue)
                    .sum();
            t.put("hand-offs between stages (job polling)", Math.max(0, total - named));
            t.put("total: last instance to derived series in Orthanc", total);
            results.add(t);
            System.err.printf(Locale.ROOT, "run %d/%d: %.1f s%n", r + 1, runs, total);
        }
        System.out.println("| stage | median (s) | min (s) | max (s) |");
        System.out.println("|---|---|---|---|");
        for (String k : results.get(0).keySet()) {
            double[] xs = results.stream().mapToDouble(m -> m.get(k)).sorted().toArray();
            System.out.printf(
                    Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", k, xs[xs.length / 2], xs[0], xs[xs.length - 1]);
        }
        double[] ratio = results.stream()
                .mapToDouble(m -> m.get("enhancement (model + derived files)") / m.get("  " + PHASES[1][1]))
                .sorted()
                .toArray();
        System.out.printf(
                Locale.ROOT,
                "%nENHANCE stage / model inference (same slices, same run): median %.2f (min %.2f, max %.2f)%n",
                ratio[ratio.length / 2],
                ratio[0],
                ratio[ratio.length - 1]);
        String pid = o.get("--node-pid");
        if (pid != null) {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmHWM") || line.startsWith("VmRSS")) {
                    String[] f = line.split("\\s+");
                    System.out.printf(
                            Locale.ROOT,
                            "node %s: %.0f MB%n",
                            line.startsWith("VmHWM") ? "peak RSS (VmHWM)" : "RSS now",
                            Long.parseLong(f[1]) / 1024.0);
                }
            }
        }
        System.out.println(runs + " runs, a 256x256x24 series at x2 (512x512 out) sent over " + sendersPerRun
                + " concurrent associations, node " + node);
        return 0;
    }

    /** Writes a 256x256x24 series (0.5 T in its header) of new UIDs into {@code folder}; returns its Series Instance UID. */
    static String write(Volume v, Path folder, int run) throws Exception {
        String root = "2.25." + (System.currentTimeMillis() * 1000 + run) + "7" + run;
        List<VolumeWriter.Slice> slices = new ArrayList<>();
        int z0 = v.depth() / 2 - 24;
        for (int i = 0; i < 24; i++) {
            float[] s = v.slice(z0 + 2 * i);
            float[] out = new float[256 * 256];
            int ox = (256 - v.width()) / 2;
            int oy = (256 - v.height()) / 2;
            for (int y = 0; y < v.height(); y++) {
                for (int x = 0; x < v.width(); x++) {
                    out[(v.height() - 1 - y + oy) * 256 + x + ox] = s[y * v.width() + x];
                }
            }
            slices.add(new VolumeWriter.Slice(out, i * 2.0, i + 1));
        }
        VolumeWriter.write(
                new VolumeWriter.SeriesSpec(
                        "SRI-BENCH",
                        "BENCH^E2E",
                        root + ".1",
                        root + ".2",
                        root + ".3",
                        7,
                        "bench e2e run " + run,
                        0.5,
                        1.0,
                        2.0,
                        24),
                slices,
                256,
                256,
                folder);
        return root + ".2";
    }

    private static int orthancInstances(String pacs, String seriesUid) throws Exception {
        HttpResponse<String> r = NodeApi.send(HttpRequest.newBuilder(URI.create(pacs + "/tools/lookup"))
                .POST(HttpRequest.BodyPublishers.ofString(seriesUid))
                .build());
        for (JsonNode n : JSON.readTree(r.body())) {
            if ("Series".equals(n.path("Type").asText())) {
                JsonNode s = get(pacs + "/series/" + n.path("ID").asText());
                return s == null ? 0 : s.path("Instances").size();
            }
        }
        return 0;
    }

    private static JsonNode get(String url) throws Exception {
        return NodeApi.getOrNull(url);
    }
}
