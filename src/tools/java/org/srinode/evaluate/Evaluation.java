package org.srinode.evaluate;

import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.srinode.enhance.Enhancer;
import org.srinode.enhance.ProgressListener;
import org.srinode.imaging.Images;
import org.srinode.imaging.Montage;
import org.srinode.volume.Volume;

/**
 * Runs the protocols on HQ volumes and measures the model against bicubic and, for SRI, against the
 * sequential pipelines SR+I (model SR without the mask, then harmonic inpainting at full resolution)
 * and I+SR (harmonic inpainting at low resolution, then model SR without the mask).
 */
public final class Evaluation {
    private final Map<Integer, Enhancer> models;
    private final int maxSlices;
    private final long seed;

    public Evaluation(Map<Integer, Enhancer> models, int maxSlices, long seed) {
        this.models = models;
        this.maxSlices = maxSlices;
        this.seed = seed;
    }

    public List<ResultRow> run(List<EvalCase> cases, Path outDir, Consumer<String> log)
            throws IOException, InterruptedException, TranslateException {
        List<ResultRow> rows = new ArrayList<>();
        for (EvalCase c : cases) {
            for (Map.Entry<Integer, Enhancer> m : models.entrySet()) {
                int scale = m.getKey();
                Volume hq = Slices.cropToMultiple(Slices.normalise(c.hq()), scale);
                List<Integer> zs = Slices.choose(hq, maxSlices);
                if (zs.isEmpty()) {
                    log.accept(c.name() + ": no slice with enough foreground, skipped");
                    continue;
                }
                for (Protocol p : Protocol.values()) {
                    long t0 = System.nanoTime();
                    rows.addAll(runOne(c, hq, zs, p, scale, m.getValue(), outDir));
                    log.accept(String.format(
                            "%s %s x%d: %d slices in %.1f s",
                            c.name(), p.label(), scale, zs.size(), (System.nanoTime() - t0) / 1e9));
                }
            }
        }
        return rows;
    }

    private List<ResultRow> runOne(
            EvalCase c, Volume hq, List<Integer> zs, Protocol p, int s, Enhancer model, Path outDir)
            throws IOException, InterruptedException, TranslateException {
        int w = hq.width();
        int h = hq.height();
        List<float[]> hqSlices = new ArrayList<>();
        List<Protocol.Degraded> lq = new ArrayList<>();
        for (int z : zs) {
            float[] slice = hq.slice(z);
            hqSlices.add(slice);
            lq.add(p.apply(slice, w, h, s, seed ^ (31L * c.name().hashCode() + 1009L * z + 7919L * s + p.ordinal())));
        }
        int lw = w / s;
        int lh = h / s;
        Volume lqVol = Slices.stack(lq.stream().map(Protocol.Degraded::lq).toList(), lw, lh);
        Volume maskVol = Slices.stack(lq.stream().map(Protocol.Degraded::mask).toList(), lw, lh);
        Volume noMask = Volume.zeros(lw, lh, zs.size(), 1, 1, 1);
        Volume sri = model.enhance(lqVol, maskVol, ProgressListener.NONE);
        Methods out = new Methods();
        out.add("model", i -> sri.slice(i));
        out.add("bicubic", i -> Images.bicubicUp(lq.get(i).lq(), lw, lh, s));
        if (p == Protocol.SRI) {
            Volume srOnly = model.enhance(lqVol, noMask, ProgressListener.NONE);
            out.add(
                    "SR+I",
                    i -> Images.inpaintHarmonic(
                            srOnly.slice(i), Images.nearestUp(lq.get(i).mask(), lw, lh, s), w, h));
            List<float[]> filled = new ArrayList<>();
            for (Protocol.Degraded d : lq) {
                filled.add(Images.inpaintHarmonic(d.lq(), d.mask(), lw, lh));
            }
            Volume iThenSr = model.enhance(Slices.stack(filled, lw, lh), noMask, ProgressListener.NONE);
            out.add("I+SR", i -> iThenSr.slice(i));
        }
        List<ResultRow> rows = new ArrayList<>();
        for (Map.Entry<String, java.util.function.IntFunction<float[]>> e : out.entries()) {
            double[] fg = {0, 0};
            double[] hole = {0, 0};
            int holes = 0;
            for (int i = 0; i < zs.size(); i++) {
                float[] pred = clip(e.getValue().apply(i));
                float[] ref = hqSlices.get(i);
                boolean[] fgMask = new boolean[w * h];
                for (int k = 0; k < fgMask.length; k++) {
                    fgMask[k] = ref[k] > 0.05f;
                }
                fg[0] += Metrics.psnr(pred, ref, fgMask);
                fg[1] += Metrics.ssim(pred, ref, w, h, fgMask);
                if (p == Protocol.SRI) {
                    float[] up = Images.nearestUp(lq.get(i).mask(), lw, lh, s);
                    boolean[] holeMask = new boolean[w * h];
                    for (int k = 0; k < holeMask.length; k++) {
                        holeMask[k] = up[k] > 0.5f;
                    }
                    hole[0] += Metrics.psnr(pred, ref, holeMask);
                    hole[1] += Metrics.ssim(pred, ref, w, h, holeMask);
                    holes++;
                }
            }
            int n = zs.size();
            rows.add(new ResultRow(
                    c.name(), c.contrast(), p.label(), s, e.getKey(), "foreground", fg[0] / n, fg[1] / n, n));
            if (holes > 0) {
                rows.add(new ResultRow(
                        c.name(),
                        c.contrast(),
                        p.label(),
                        s,
                        e.getKey(),
                        "hole",
                        hole[0] / holes,
                        hole[1] / holes,
                        holes));
            }
        }
        int mid = zs.size() / 2;
        Montage.write(
                outDir.resolve(safe(c.name()) + "_" + p.label() + "_x" + s + ".png"),
                List.of("LQ", "bicubic", "model", "HQ"),
                List.of(
                        Images.nearestUp(lq.get(mid).lq(), lw, lh, s),
                                clip(Images.bicubicUp(lq.get(mid).lq(), lw, lh, s)),
                        clip(sri.slice(mid)), hqSlices.get(mid)),
                w,
                h);
        return rows;
    }

    private static float[] clip(float[] a) {
        float[] o = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            o[i] = Math.max(0f, Math.min(1f, a[i]));
        }
        return o;
    }

    static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The methods compared, in report order. */
    private static final class Methods {
        private final List<Map.Entry<String, java.util.function.IntFunction<float[]>>> list = new ArrayList<>();

        void add(String name, java.util.function.IntFunction<float[]> slices) {
            list.add(Map.entry(name, slices));
        }

        List<Map.Entry<String, java.util.function.IntFunction<float[]>>> entries() {
            return list;
        }
    }
}
