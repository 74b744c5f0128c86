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
    void selfEnsembleIsTheMeanOfTheTurnedPassesTurnedBack() throws Exception {
        int n = 2;
        int h = 12;
        int w = 20;
        Random r = new Random(5);
        float[] lq = new float[n * h * w];
        float[] mask = new float[n * h * w];
        for (int i = 0; i < lq.length; i++) {
            lq[i] = r.nextFloat();
            mask[i] = (i / w) % h >= 4 && (i / w) % h < 8 && i % w < 9 ? 1f : 0f;
        }
        TileBatch b = new TileBatch(lq, mask, n, h, w);
        for (int size : new int[] {2, 4, 8}) {
            try (Enhancer e = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 64, 8, 4, size))) {
                float[] got = e.ensemble(b);
                float[] expected = new float[got.length];
                for (int t : SelfEnsemble.orientations(size)) {
                    SelfEnsemble.addBack(enhancer.predict(SelfEnsemble.turn(b, t)), t, n, 2 * h, 2 * w, expected);
                }
                double maxDiff = 0;
                for (int i = 0; i < got.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(expected[i] / size - got[i]));
                }
                assertThat(maxDiff)
                        .as("ensemble of %d against the mean of its passes", size)
                        .isLessThan(1e-5);
            }
        }
    }

    @Test
    void anEnsembleOfTiledSlicesBlendsLikeTheWholeSlices() throws Exception {
        Volume v = randomVolume(150, 130, 2, 1f); // tiles of 64 with overlap 8: 3x3 tiles per slice
        try (Enhancer tiled = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 64, 8, 3, 8));
                Enhancer whole = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 512, 8, 1, 8))) {
            assertThat(maxDiff(
                            tiled.enhance(v, null, ProgressListener.NONE),
                            whole.enhance(v, null, ProgressListener.NONE)))
                    .as("largest difference between tiled and whole-slice inference, ensemble of 8")
                    .isLessThan(0.05);
        }
    }

    @Test
    void anEnsembleOfEightTurnsWithItsInput() throws Exception {
        // the eight orientations are a group: turning the input only reorders the passes that are averaged
        int w = 40;
        int h = 30;
        Volume v = randomVolume(w, h, 3, 100f);
        float[] m = new float[w * h * 3];
        for (int y = 8; y < 16; y++) {
            for (int x = 5; x < 20; x++) {
                m[(h + y) * w + x] = 1f; // a missing rectangle in the middle slice
            }
        }
        Volume mask = new Volume(w, h, 3, m, 1, 1, 3);
        try (Enhancer eight = Enhancer.load(dir, new EnhancerOptions(InferenceDevice.CPU, 1, 64, 8, 4, 8))) {
            Volume out = eight.enhance(v, mask, ProgressListener.NONE);
            for (int t = 1; t < 8; t++) {
                Volume turnedOut = eight.enhance(turned(v, t), turned(mask, t), ProgressListener.NONE);
                assertThat(maxDiff(turned(out, t), turnedOut))
                        .as("orientation %d", t)
                        .isLessThan(1e-3);
            }
            Volume plain = enhancer.enhance(v, mask, ProgressListener.NONE);
            assertThat(maxDiff(plain, out))
                    .as("the ensemble is not the plain enhancement")
                    .isGreaterThan(1e-2);
            assertThat(maxDiff(
                            turned(enhancer.enhance(turned(v, 3), turned(mask, 3), ProgressListener.NONE), 3), plain))
                    .as("while the plain enhancement does not turn with its input")
                    .isGreaterThan(1e-2);
            assertThat(eight.selfEnsemble()).isEqualTo(8);
            assertThat(org.srinode.pipeline.SeriesEnhancement.derivedUid("1.2.3", 1, 1, eight, "series"))
                    .as("other pixels, other UIDs")
                    .isNotEqualTo(org.srinode.pipeline.SeriesEnhancement.derivedUid("1.2.3", 1, 1, enhancer, "series"));
            assertThat(org.srinode.pipeline.SeriesEnhancement.derivedUid("1.2.3", 1, 1, enhancer, "series"))
                    .as("no self-ensemble: the UIDs of before")
                    .isEqualTo(org.srinode.derived.DerivedUids.forRun(
                            1,
                            1,
                            "1.2.3",
                            enhancer.config().name(),
                            enhancer.config().version(),
                            "series"));
        }
    }

    private static double maxDiff(Volume a, Volume b) {
        assertThat(a.width()).isEqualTo(b.width());
        assertThat(a.height()).isEqualTo(b.height());
        double d = 0;
        for (int i = 0; i < a.data().length; i++) {
            d = Math.max(d, Math.abs(a.data()[i] - b.data()[i]));
        }
        return d;
    }

    /** Each slice of v turned to orientation t of {@link SelfEnsemble}. */
    private static Volume turned(Volume v, int t) {
        int w = v.width();
        int h = v.height();
        float[] d = new float[v.data().length];
        for (int z = 0; z < v.depth(); z++) {
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    d[z * w * h + SelfEnsemble.index(t, r, c, h, w)] = v.data()[(z * h + r) * w + c];
                }
            }
        }
        return SelfEnsemble.transposes(t)
                ? new Volume(h, w, v.depth(), d, 1, 1, 3)
                : new Volume(w, h, v.depth(), d, 1, 1, 3);
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
