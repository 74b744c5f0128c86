package org.srinode.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.EnhancerOptions;
import org.srinode.enhance.InferenceDevice;
import org.srinode.imaging.Images;
import org.srinode.volume.Volume;

class EvaluateTest {
    @TempDir
    Path out;

    @Test
    void metricsOfIdenticalImagesArePerfectAndDropWithNoise() {
        float[] a = smooth(64, 64, 0);
        boolean[] all = new boolean[a.length];
        java.util.Arrays.fill(all, true);
        assertThat(Metrics.psnr(a, a, all)).isInfinite();
        assertThat(Metrics.ssim(a, a, 64, 64, all)).isCloseTo(1.0, within(1e-9));
        float[] b = a.clone();
        Random r = new Random(1);
        for (int i = 0; i < b.length; i++) {
            b[i] += (float) (0.05 * r.nextGaussian());
        }
        assertThat(Metrics.psnr(b, a, all)).isBetween(24.0, 28.0); // sigma 0.05 -> 26 dB
        assertThat(Metrics.ssim(b, a, 64, 64, all)).isLessThan(0.9);
    }

    @Test
    void protocolsAreSeededAndFollowTheirDefinition() {
        float[] hq = smooth(80, 60, 0);
        Protocol.Degraded b = Protocol.SR_B.apply(hq, 80, 60, 2, 5);
        Protocol.Degraded nb = Protocol.SR_N_B.apply(hq, 80, 60, 2, 5);
        Protocol.Degraded sri = Protocol.SRI.apply(hq, 80, 60, 2, 5);
        assertThat(b.width()).isEqualTo(40);
        assertThat(b.height()).isEqualTo(30);
        assertThat(b.mask()).containsOnly(0f);
        assertThat(Protocol.SR_N_B.apply(hq, 80, 60, 2, 5).lq()).containsExactly(nb.lq());
        assertThat(nb.lq()).isNotEqualTo(b.lq());
        float holes = 0;
        for (int i = 0; i < sri.mask().length; i++) {
            holes += sri.mask()[i];
            if (sri.mask()[i] > 0) {
                assertThat(sri.lq()[i]).isZero();
            }
        }
        assertThat((int) holes).isEqualTo(8 * 6); // 20% of 40 x 20% of 30
    }

    @Test
    void harmonicInpaintingFillsALinearRampExactly() {
        int w = 30;
        int h = 20;
        float[] ramp = new float[w * h];
        float[] mask = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                ramp[y * w + x] = x / (float) w;
                if (x > 8 && x < 18 && y > 5 && y < 14) {
                    mask[y * w + x] = 1;
                }
            }
        }
        float[] holed = ramp.clone();
        for (int i = 0; i < holed.length; i++) {
            holed[i] *= 1 - mask[i];
        }
        float[] filled = Images.inpaintHarmonic(holed, mask, w, h);
        for (int i = 0; i < ramp.length; i++) {
            assertThat(filled[i]).isCloseTo(ramp[i], within(2e-3f));
        }
    }

    @Test
    void bicubicOfAConstantIsTheConstant() {
        float[] c = new float[10 * 8];
        java.util.Arrays.fill(c, 0.25f);
        assertThat(Images.bicubicUp(c, 10, 8, 4)).containsOnly(0.25f);
    }

    @Test
    void evaluationWritesEveryProtocolAndMethodAndAReport() throws Exception {
        Path model = Path.of("target", "reference-models", "tiny-x4").toAbsolutePath();
        org.srinode.enhance.ReferenceModelAccess.create("tiny-x4", "tiny", 4);
        float[] data = new float[96 * 80 * 3];
        for (int z = 0; z < 3; z++) {
            System.arraycopy(smooth(96, 80, z), 0, data, z * 96 * 80, 96 * 80);
        }
        Volume hq = new Volume(96, 80, 3, data, 1, 1, 1);
        try (Enhancer e = Enhancer.load(model, new EnhancerOptions(InferenceDevice.CPU, 1, 64, 8, 4))) {
            List<ResultRow> rows =
                    new Evaluation(Map.of(4, e), 2, 1).run(List.of(new EvalCase("phantom", "T1", hq)), out, s -> {});
            assertThat(rows).extracting(ResultRow::protocol).contains("SR-B", "SR-N-B", "SRI");
            assertThat(rows)
                    .filteredOn(r -> r.protocol().equals("SRI"))
                    .extracting(ResultRow::method)
                    .contains("model", "bicubic", "SR+I", "I+SR");
            assertThat(rows).filteredOn(r -> r.region().equals("hole")).isNotEmpty();
            assertThat(rows).allSatisfy(r -> assertThat(r.scale()).isEqualTo(4));
            Report.writeCsv(out.resolve("results.csv"), rows);
            Report.writeMarkdown(out.resolve("summary.md"), rows, "test", List.of());
            assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(rows.size() + 1);
            assertThat(Files.readString(out.resolve("summary.md"))).contains("| T1 | SRI | x4 | hole |");
            assertThat(out.resolve("phantom_SRI_x4.png")).exists();
        }
    }

    static float[] smooth(int w, int h, int z) {
        float[] a = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double r = Math.hypot(x - w / 2.0, y - h / 2.0) / (0.45 * Math.min(w, h));
                a[y * w + x] = r < 1 ? (float) (0.6 + 0.3 * Math.sin(x / 4.0 + z) * Math.cos(y / 5.0)) : 0f;
            }
        }
        return a;
    }
}
