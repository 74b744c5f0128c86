package org.srinode.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Locale;
import org.srinode.enhance.ModelBench;

/**
 * {@code bench-model <model dir>...}: per model, milliseconds per forward pass through DJL, the GFLOP/s
 * it reaches, next to the convolution ceiling of the same libtorch, all in one run. The Python side
 * of the comparison is run by bench/model.sh in the same invocation.
 */
final class BenchModel {
    private BenchModel() {}

    static int run(String[] dirs) throws Exception {
        double ceiling = ModelBench.convGflops(10);
        System.out.printf(Locale.ROOT, "{\"what\":\"conv-ceiling\",\"gflops\":%.1f}%n", ceiling);
        for (String d : dirs) {
            JsonNode p = new ObjectMapper().readTree(Path.of(d, "parity.json").toFile());
            int h = p.get("h").asInt();
            int w = p.get("w").asInt();
            double[] t = ModelBench.timesMs(Path.of(d), 1, h, w, 10);
            double ms = t[1];
            double gflop = p.get("gflop_per_input").asDouble();
            System.out.printf(
                    Locale.ROOT,
                    "{\"what\":\"djl\",\"model\":\"%s\",\"input\":\"%dx%d\",\"scale\":%d,\"median_ms\":%.1f,"
                            + "\"gflop\":%.2f,\"gflops\":%.1f,\"of_ceiling\":%.2f,\"first_call_ms\":%.1f,\"new_shape_ms\":%.1f}%n",
                    d,
                    h,
                    w,
                    p.get("scale").asInt(),
                    ms,
                    gflop,
                    gflop / (ms / 1000),
                    gflop / (ms / 1000) / ceiling,
                    t[0],
                    t[2]);
        }
        return 0;
    }
}
