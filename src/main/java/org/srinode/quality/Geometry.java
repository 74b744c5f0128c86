package org.srinode.quality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.SliceOrder;

/** Slice order along the slice normal, and what the steps between slices say. */
final class Geometry {
    final List<ImageHeader> ordered;
    final double[] positions;
    final Double nominalStep;
    final List<Assessment.Gap> gaps = new ArrayList<>();
    final List<Integer> duplicates = new ArrayList<>();
    final List<Integer> irregular = new ArrayList<>();

    private Geometry(List<ImageHeader> ordered, double[] positions, Double nominalStep) {
        this.ordered = ordered;
        this.positions = positions;
        this.nominalStep = nominalStep;
    }

    static boolean sameOrientation(List<ImageHeader> hs) {
        double[] first = hs.get(0).orientation();
        for (ImageHeader h : hs) {
            double[] o = h.orientation();
            if ((o == null) != (first == null)) {
                return false;
            }
            if (o != null) {
                for (int i = 0; i < 6; i++) {
                    if (Math.abs(o[i] - first[i]) > 0.01) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    static Geometry of(List<ImageHeader> hs, double tolerance) {
        SliceOrder.Result order = SliceOrder.of(hs);
        List<ImageHeader> ordered = order.ordered();
        double[] pos = new double[hs.size()];
        if (!order.geometric()) {
            return new Geometry(ordered, pos, null);
        }
        double[] n = SliceOrder.normal(ordered.get(0));
        for (int i = 0; i < ordered.size(); i++) {
            pos[i] = dot(n, ordered.get(i).position());
        }
        double[] steps = new double[Math.max(0, pos.length - 1)];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = pos[i + 1] - pos[i];
        }
        double[] positive = Arrays.stream(steps).filter(d -> d > 1e-3).sorted().toArray();
        Double nominal = positive.length == 0 ? null : positive[positive.length / 2];
        Geometry g = new Geometry(ordered, pos, nominal);
        if (nominal != null) {
            for (int i = 0; i < steps.length; i++) {
                double ratio = steps[i] / nominal;
                long k = Math.round(ratio);
                if (steps[i] < Math.max(0.01, 0.05 * nominal)) {
                    g.duplicates.add(i + 1);
                } else if (k >= 2 && Math.abs(ratio - k) <= 0.25) {
                    List<Double> where = new ArrayList<>();
                    for (int j = 1; j < k; j++) {
                        where.add(round(pos[i] + j * steps[i] / k));
                    }
                    g.gaps.add(new Assessment.Gap(i, (int) (k - 1), where));
                } else if (Math.abs(ratio - 1) > tolerance) {
                    g.irregular.add(i);
                }
            }
        }
        return g;
    }

    private static double dot(double[] a, double[] b) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
