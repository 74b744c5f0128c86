package org.srinode.enhance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.srinode.volume.Volume;

class EnhancerTest {
    static Path dir;
    static Enhancer enhancer;

    @BeforeAll
    static void load() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        dir = ReferenceModel.create("tiny-x2", "tiny", 2);
        enhancer = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 2, 64, 8, 4));
    }

    @AfterAll
    static void close() {
        enhancer.close();
    }

    @Test
    void javaAndPythonGiveTheSameOutput() throws Exception {
        JsonNode shape = new ObjectMapper().readTree(dir.resolve("parity.json").toFile());
        int n = shape.get("n").asInt();
        int h = shape.get("h").asInt();
        int w = shape.get("w").asInt();
        float[] expected = ReferenceModel.floats(dir.resolve("parity-out.f32"));
        float[] actual = enhancer.predict(new TileBatch(
                ReferenceModel.floats(dir.resolve("parity-lq.f32")),
                ReferenceModel.floats(dir.resolve("parity-mask.f32")),
                n,
                h,
                w));
        assertThat(actual).hasSize(n * h * w * 4).hasSameSizeAs(expected);
        float maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        assertThat(maxDiff).isLessThan(1e-4f);
    }

    @Test
    void volumeComesBackUpscaledInTheSourceRange() throws Exception {
        Volume v = randomVolume(50, 70, 3, 1000f);
        Volume out = enhancer.enhance(v, null, ProgressListener.NONE);
        assertThat(out.width()).isEqualTo(100);
        assertThat(out.height()).isEqualTo(140);
        assertThat(out.depth()).isEqualTo(3);
        assertThat(out.spacingX()).isCloseTo(0.5, within(1e-9));
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float f : out.data()) {
            min = Math.min(min, f);
            max = Math.max(max, f);
        }
        assertThat(min).isGreaterThanOrEqualTo(0f);
        assertThat(max).isLessThanOrEqualTo(1000f * 1.01f);
    }

    @Test
    void tilesBlendWithoutSeams() throws Exception {
        Volume v = randomVolume(150, 130, 1, 1f);
        Volume tiled = enhancer.enhance(v, null, ProgressListener.NONE);
        try (Enhancer whole = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 512, 8, 1))) {
            Volume single = whole.enhance(v, null, ProgressListener.NONE);
            double maxDiff = 0;
            for (int i = 0; i < single.data().length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(single.data()[i] - tiled.data()[i]));
            }
            assertThat(maxDiff)
                    .as("largest difference between tiled and whole-slice inference")
                    .isLessThan(0.05);
        }
    }

    @Test
    void slicesBatchedSeveralToAPassGiveWhatOneAtATimeGives() throws Exception {
        Volume v = randomVolume(40, 36, 5, 10f); // 5 slices, batches of 4 and 1 whole slices
        try (Enhancer batched = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 512, 8, 4));
                Enhancer single = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 512, 8, 1))) {
            java.util.List<Integer> done = new java.util.ArrayList<>();
            Volume a = batched.enhance(v, null, (k, n) -> done.add(k));
            Volume b = single.enhance(v, null, ProgressListener.NONE);
            assertThat(done).as("progress once per slice, in order").containsExactly(1, 2, 3, 4, 5);
            double maxDiff = 0;
            for (int i = 0; i < a.data().length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a.data()[i] - b.data()[i]));
            }
            assertThat(maxDiff).isLessThan(1e-3);
        }
    }

    @Test
    void concurrentCallersGetTheSameResultsAsOneAtATime() throws Exception {
        Volume a = randomVolume(60, 60, 2, 100f);
        Volume b = randomVolume(70, 50, 2, 5f);
        Volume expectA = enhancer.enhance(a, null, ProgressListener.NONE);
        Volume expectB = enhancer.enhance(b, null, ProgressListener.NONE);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<Volume>> fa = new java.util.ArrayList<>();
            java.util.List<java.util.concurrent.Future<Volume>> fb = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                fa.add(pool.submit(() -> enhancer.enhance(a, null, ProgressListener.NONE)));
                fb.add(pool.submit(() -> enhancer.enhance(b, null, ProgressListener.NONE)));
            }
            for (int i = 0; i < 4; i++) {
                assertThat(fa.get(i).get().data()).containsExactly(expectA.data());
                assertThat(fb.get(i).get().data()).containsExactly(expectB.data());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nativeMemoryStaysFlatOverAThousandInferences() throws Exception {
        TileBatch b = new TileBatch(new float[32 * 32], new float[32 * 32], 1, 32, 32);
        for (int i = 0; i < 100; i++) {
            enhancer.predict(b);
        }
        long before = rssKb();
        for (int i = 0; i < 1000; i++) {
            enhancer.predict(b);
        }
        long grownMb = (rssKb() - before) / 1024;
        assertThat(grownMb)
                .as("resident memory growth over 1000 inferences, MB")
                .isLessThan(48);
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    static Volume randomVolume(int w, int h, int d, float range) {
        Random r = new Random(3);
        float[] data = new float[w * h * d];
        for (int z = 0; z < d; z++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double smooth = 0.5 + 0.4 * Math.sin(x / 7.0) * Math.cos(y / 5.0);
                    data[(z * h + y) * w + x] = (float) (range * Math.max(0, smooth + 0.05 * r.nextGaussian()));
                }
            }
        }
        return new Volume(w, h, d, data, 1, 1, 3);
    }
}
