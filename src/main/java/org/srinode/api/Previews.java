package org.srinode.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.srinode.dicom.ImageHeader;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.SeriesFiles;
import org.srinode.imaging.Images;
import org.srinode.imaging.Montage;
import org.srinode.series.SeriesInfo;
import org.srinode.series.SeriesRecords;

/**
 * Before/after pictures for the web page: the middle slice of an acquired series (bicubic to the
 * derived series' size) next to the same slice of its AI-enhanced series, in one window (the acquired
 * slice's 0.5 to 99.5 percentiles) so that the two compare.
 */
@ApplicationScoped
public class Previews {
    @Inject
    SeriesRecords series;

    /** The PNG, and whether it shows both panels (then it no longer changes: the derived series is written once). */
    public record Picture(byte[] png, boolean beforeAndAfter) {}

    public Picture png(String seriesUid, Integer index) throws Exception {
        SeriesInfo s =
                series.find(seriesUid).orElseThrow(() -> new jakarta.ws.rs.NotFoundException("no series " + seriesUid));
        String source = s.derivedFrom() != null ? s.derivedFrom() : s.seriesUid();
        List<ImageHeader> before = ordered(source);
        // the current enhanced series: not a superseded one, not the Segmentation or a rejection note
        List<SeriesInfo> derived = series.derivedOf(source).stream()
                .filter(d -> d.supersededBy() == null)
                .filter(d -> !"SEG".equals(d.modality()) && !"KO".equals(d.modality()))
                .toList();
        List<ImageHeader> after =
                derived.isEmpty() ? List.of() : ordered(derived.get(0).seriesUid());
        if (before.isEmpty()) {
            throw new jakarta.ws.rs.NotFoundException("series " + seriesUid + " has no image to show");
        }
        int z = index == null ? before.size() / 2 : Math.max(0, Math.min(before.size() - 1, index));
        ImageHeader b = before.get(z);
        float[] bp = SeriesFiles.pixels(Path.of(b.file()));
        float[] window = window(bp);
        ImageHeader a = nearest(after, SeriesFiles.positionAlongNormal(b));
        if (a == null || a.columns() % b.columns() != 0) {
            return new Picture(
                    Montage.png(
                            List.of("acquired, slice " + (z + 1) + " of " + before.size()),
                            List.of(scale(bp, window)),
                            b.columns(),
                            b.rows()),
                    false);
        }
        int s2 = a.columns() / b.columns();
        float[] up = s2 > 1 ? Images.bicubicUp(bp, b.columns(), b.rows(), s2) : bp;
        return new Picture(
                Montage.png(
                        List.of(
                                "acquired (bicubic x" + s2 + "), slice " + (z + 1),
                                "AI-enhanced (" + derived.get(0).model() + ")"),
                        List.of(scale(up, window), scale(SeriesFiles.pixels(Path.of(a.file())), window)),
                        a.columns(),
                        a.rows()),
                true);
    }

    private List<ImageHeader> ordered(String uid) throws InvalidDicomException {
        List<ImageHeader> all = new ArrayList<>();
        for (Path f : series.files(uid)) {
            ImageHeader h = SeriesFiles.header(f);
            if (h.imageStorage() && h.hasPixelData() && h.frames() == 1 && h.samplesPerPixel() == 1) {
                all.add(h);
            }
        }
        return all.isEmpty() ? all : SeriesFiles.alongNormal(all);
    }

    /** The derived slice at the same position along the normal (the derived series may hold filled slices too). */
    private static ImageHeader nearest(List<ImageHeader> slices, double position) {
        ImageHeader best = null;
        for (ImageHeader h : slices) {
            if (best == null
                    || Math.abs(SeriesFiles.positionAlongNormal(h) - position)
                            < Math.abs(SeriesFiles.positionAlongNormal(best) - position)) {
                best = h;
            }
        }
        return best;
    }

    private static float[] window(float[] px) {
        float[] sorted = px.clone();
        Arrays.sort(sorted);
        float lo = sorted[(int) (0.005 * (sorted.length - 1))];
        float hi = sorted[(int) (0.995 * (sorted.length - 1))];
        return new float[] {lo, hi > lo ? hi : lo + 1};
    }

    private static float[] scale(float[] px, float[] window) {
        float[] out = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            out[i] = (px[i] - window[0]) / (window[1] - window[0]);
        }
        return out;
    }
}
