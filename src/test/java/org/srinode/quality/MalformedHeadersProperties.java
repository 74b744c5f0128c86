package org.srinode.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.arbitraries.ListArbitrary;
import org.srinode.dicom.ImageHeader;

/** Thousands of random, often malformed, headers: each gives an Assessment, never an exception. */
class MalformedHeadersProperties {
    private final Assessor assessor = new Assessor(QualityTargets.defaults());

    @Property(tries = 2000)
    void everySeriesGetsAnAssessment(@ForAll("series") List<ImageHeader> series, @ForAll("pixelSize") int fail) {
        Assessment a = assessor.assess(series, h -> {
            int n = Math.max(0, h.rows()) * Math.max(0, h.columns());
            if (fail == 0 || n > 4096) {
                throw new IllegalStateException("cannot decode");
            }
            float[] p = new float[n];
            for (int i = 0; i < n; i++) {
                p[i] = (i * 7919 + fail) % 97;
            }
            return p;
        });
        assertThat(a).isNotNull();
        assertThat(a.actions()).isNotEmpty();
        assertThat(a.reasons()).isNotEmpty();
        assertThat(a.applicable() || !a.notApplicableReason().isEmpty()).isTrue();
    }

    @Provide
    Arbitrary<Integer> pixelSize() {
        return Arbitraries.integers().between(0, 5);
    }

    @Provide
    ListArbitrary<ImageHeader> series() {
        return header().list().ofMinSize(0).ofMaxSize(12);
    }

    private Arbitrary<ImageHeader> header() {
        Arbitrary<String> modality = Arbitraries.of("MR", "CT", "", "mr", "OT");
        Arbitrary<List<String>> type = Arbitraries.of(
                List.of(), List.of("ORIGINAL", "PRIMARY"), List.of("DERIVED", "LOCALIZER"), List.of("SCOUT"));
        Arbitrary<String> photometric = Arbitraries.of("MONOCHROME2", "MONOCHROME1", "RGB", "", "YBR_FULL");
        Arbitrary<Integer> size = Arbitraries.integers().between(-2, 70);
        Arbitrary<double[]> spacing = Arbitraries.of(
                null,
                new double[] {0.5, 0.5},
                new double[] {0, 0},
                new double[] {-1, 3},
                new double[] {Double.NaN, 1},
                new double[] {4, 4});
        Arbitrary<double[]> orientation = Arbitraries.of(
                null,
                new double[] {1, 0, 0, 0, 1, 0},
                new double[] {0, 0, 0, 0, 0, 0},
                new double[] {0, 1, 0, 0, 0, -1},
                new double[] {Double.NaN, 0, 0, 0, 1, 0});
        Arbitrary<double[]> position = Arbitraries.doubles()
                .between(-50, 50)
                .array(double[].class)
                .ofSize(3)
                .injectNull(0.2);
        Arbitrary<Integer> number = Arbitraries.integers().between(-5, 20000).injectNull(0.2);
        Arbitrary<Double> number2 = Arbitraries.doubles().between(-10, 20000).injectNull(0.3);
        return Combinators.combine(modality, type, photometric, size, size, spacing, orientation, position)
                .as((m, t, ph, r, c, sp, or, pos) -> new Object[] {m, t, ph, r, c, sp, or, pos})
                .flatMap(o -> Combinators.combine(
                                number,
                                number,
                                number2,
                                number2,
                                Arbitraries.integers().between(0, 3),
                                Arbitraries.of(true, false))
                        .as((inst, inAcq, th, fs, frames, storage) -> new ImageHeader(
                                "x",
                                "1.2",
                                "1.2." + (inst == null ? 0 : Math.abs(inst)),
                                "1.2.840.10008.5.1.4.1.1.4",
                                (String) o[0],
                                castList(o[1]),
                                "",
                                (String) o[2],
                                ((String) o[2]).equals("RGB") ? 3 : 1,
                                (Integer) o[3],
                                (Integer) o[4],
                                frames,
                                (double[]) o[5],
                                th,
                                th,
                                (double[]) o[6],
                                (double[]) o[7],
                                inst,
                                inAcq,
                                fs,
                                storage,
                                storage,
                                List.of())));
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return new ArrayList<>((List<String>) o);
    }
}
