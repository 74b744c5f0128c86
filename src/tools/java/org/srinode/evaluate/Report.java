package org.srinode.evaluate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes the per-case CSV and the markdown summary (means over cases per contrast, protocol, scale, method, region). */
public final class Report {
    private Report() {}

    public static void writeCsv(Path file, List<ResultRow> rows) throws IOException {
        StringBuilder sb = new StringBuilder("case,contrast,protocol,scale,method,region,psnr_db,ssim,slices\n");
        for (ResultRow r : rows) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%s,%s,%s,%d,%s,%s,%.3f,%.4f,%d%n",
                    r.caseName(),
                    r.contrast(),
                    r.protocol(),
                    r.scale(),
                    r.method(),
                    r.region(),
                    r.psnr(),
                    r.ssim(),
                    r.slices()));
        }
        Files.writeString(file, sb);
    }

    /** Mean PSNR/SSIM per group, in first-seen order. */
    public static Map<String, double[]> summary(List<ResultRow> rows) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (ResultRow r : rows) {
            String key = String.join("|", r.contrast(), r.protocol(), "x" + r.scale(), r.region(), r.method());
            double[] s = sums.computeIfAbsent(key, k -> new double[3]);
            s[0] += r.psnr();
            s[1] += r.ssim();
            s[2]++;
        }
        Map<String, double[]> means = new LinkedHashMap<>();
        sums.forEach((k, s) -> means.put(k, new double[] {s[0] / s[2], s[1] / s[2], s[2]}));
        return means;
    }

    public static void writeMarkdown(Path file, List<ResultRow> rows, String command, List<String> notes)
            throws IOException {
        StringBuilder sb = new StringBuilder("# Evaluation\n\nReproduce with:\n\n```\n" + command + "\n```\n\n");
        for (String n : notes) {
            sb.append(n).append("\n");
        }
        sb.append("\nMean over cases, PSNR in dB / SSIM. `foreground`: the head (HQ > 0.05 after scaling to [0, 1]); "
                + "`hole`: the missing region of SRI. SR+I and I+SR exist for SRI only.\n\n");
        List<String> methods = List.of("bicubic", "model", "SR+I", "I+SR");
        sb.append(
                "| contrast | protocol | scale | region | cases | bicubic | model | SR+I | I+SR | model - bicubic |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, Map<String, double[]>> groups = new LinkedHashMap<>();
        summary(rows).forEach((k, v) -> {
            int cut = k.lastIndexOf('|');
            groups.computeIfAbsent(k.substring(0, cut), g -> new LinkedHashMap<>())
                    .put(k.substring(cut + 1), v);
        });
        for (Map.Entry<String, Map<String, double[]>> g : groups.entrySet()) {
            String[] k = g.getKey().split("\\|");
            double[] any = g.getValue().values().iterator().next();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d |", k[0], k[1], k[2], k[3], (int) any[2]));
            for (String m : methods) {
                double[] v = g.getValue().get(m);
                sb.append(v == null ? " - |" : String.format(Locale.ROOT, " %.2f / %.4f |", v[0], v[1]));
            }
            double[] model = g.getValue().get("model");
            double[] bic = g.getValue().get("bicubic");
            sb.append(
                    model == null || bic == null
                            ? " - |\n"
                            : String.format(
                                    Locale.ROOT, " %+.2f dB / %+.4f |%n", model[0] - bic[0], model[1] - bic[1]));
        }
        sb.append(
                "\nPer case: `results.csv`. Montages (LQ | bicubic | model | HQ, middle evaluated slice): `*.png`.\n");
        Files.writeString(file, sb);
    }

    static List<String> contrasts(List<ResultRow> rows) {
        List<String> c = new ArrayList<>();
        rows.forEach(r -> {
            if (!c.contains(r.contrast())) {
                c.add(r.contrast());
            }
        });
        return c;
    }
}
