package org.srinode.dicom;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one slice order of a series, computed here and used by the assessment (gaps, corrupted
 * regions), the enhancement (masks, missing-slice filling), the Segmentation and the previews, so a
 * slice index means the same slice everywhere.
 *
 * <p>When every slice has Image Position (Patient) and Image Orientation (Patient) (PS3.3 C.7.6.2),
 * slices are ordered by their position along the first slice's normal (row direction x column
 * direction), ties by Instance Number and then SOP Instance UID. Otherwise the geometry is unusable
 * and slices are ordered by Instance Number, then SOP Instance UID; such a series is not enhanced
 * (the assessment says why).
 */
public final class SliceOrder {
    /**
     * @param ordered            the slices in order
     * @param geometric          true when the order comes from positions along the normal
     * @param withoutGeometry    slices that lack a position or an orientation
     */
    public record Result(List<ImageHeader> ordered, boolean geometric, int withoutGeometry) {}

    private SliceOrder() {}

    public static Result of(List<ImageHeader> images) {
        List<ImageHeader> ordered = new ArrayList<>(images);
        int missing = (int) images.stream()
                .filter(h -> h.position() == null || h.orientation() == null)
                .count();
        double[] n = images.isEmpty() || missing > 0 ? null : normal(images.get(0));
        Comparator<ImageHeader> byNumber = Comparator.comparingInt(
                        (ImageHeader h) -> h.instanceNumber() == null ? 0 : h.instanceNumber())
                .thenComparing(h -> h.sopInstanceUid() == null ? "" : h.sopInstanceUid());
        if (n == null) {
            ordered.sort(byNumber);
            return new Result(ordered, false, images.isEmpty() ? 0 : Math.max(missing, 1));
        }
        ordered.sort(Comparator.comparingDouble((ImageHeader h) -> along(n, h)).thenComparing(byNumber));
        return new Result(ordered, true, 0);
    }

    /** Position of a slice along the normal {@code n}, in mm. */
    public static double along(double[] n, ImageHeader h) {
        double[] p = h.position();
        return n[0] * p[0] + n[1] * p[1] + n[2] * p[2];
    }

    /** Unit normal of the image plane (row direction x column direction), or null without (usable) orientation. */
    public static double[] normal(ImageHeader h) {
        double[] o = h.orientation();
        if (o == null) {
            return null;
        }
        double[] c = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
        double len = Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        return len < 1e-6 ? null : new double[] {c[0] / len, c[1] / len, c[2] / len};
    }
}
