package org.srinode.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.srinode.dicom.ImageHeader;

class AssessorTest {
    private final Assessor assessor = new Assessor(QualityTargets.defaults());

    @Test
    void intactHighFieldSeriesAtTwoMillimetresIsLowResolutionOnly() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(2.0, 2.0, 3.0);
        Assessment a = assessor.assess(s.headers, s.source());
        assertThat(a.applicable()).isTrue();
        assertThat(a.lowField()).isEqualTo("FALSE");
        assertThat(a.lowResolution()).isTrue();
        assertThat(a.recommendedScale()).isEqualTo(2);
        assertThat(a.incomplete()).isFalse();
        assertThat(a.corrupted()).as(a.reasons().toString()).isFalse();
        assertThat(a.actions()).containsExactly("SR_X2");
        assertThat(a.measured().sliceStepMm()).isEqualTo(2.0);
    }

    @Test
    void removedSlicesAreFoundWithTheirIndicesAndPositions() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(2.0, 2.0, 3.0).remove(30, 31, 60);
        java.util.Collections.shuffle(s.headers, new java.util.Random(4)); // arrival order does not matter
        Assessment a = assessor.assess(s.headers, s.source());
        assertThat(a.incomplete()).isTrue();
        assertThat(a.missingSlices())
                .containsExactly(
                        new Assessment.Gap(29, 2, List.of(60.0, 62.0)), new Assessment.Gap(57, 1, List.of(120.0)));
        assertThat(a.missingInstanceNumbers()).containsExactly(31, 32, 61);
        assertThat(a.actions()).contains("FILL_SLICES");
        // the findings count slices from 1, as the page's previews and a viewer do: slice 30 is Instance Number 30
        assertThat(a.reasons())
                .anyMatch(r -> r.startsWith("2 slice(s) missing after slice 30,"))
                .anyMatch(r -> r.startsWith("1 slice(s) missing after slice 58,"));
    }

    @Test
    void zeroedRectangleInsideTheHeadIsFoundExactly() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(2.0, 2.0, 3.0);
        s.zero(45, 50, 40, 20, 16);
        Assessment a = assessor.assess(s.headers, s.source());
        assertThat(a.corruptedRegions()).containsExactly(new Assessment.Region(45, 50, 40, 20, 16, "ZERO_FILLED"));
        assertThat(a.actions()).contains("INPAINT");
        assertThat(a.reasons()).contains("slice 46: zero-filled rectangle of 20x16 pixels at (50, 40) inside the head");
    }

    @Test
    void blankSliceIsADropout() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(2.0, 2.0, 3.0);
        s.zero(50, 0, 0, 120, 120);
        Assessment a = assessor.assess(s.headers, s.source());
        assertThat(a.dropoutSlices()).containsExactly(50);
        assertThat(a.reasons()).contains("blank or dropout slice(s) [51]");
        assertThat(a.corruptedRegions()).isEmpty();
        assertThat(a.actions()).contains("FILL_SLICES");
    }

    @Test
    void fieldStrengthDecidesLowFieldAndItsAbsenceIsUnknown() throws Exception {
        assertThat(assessor.assess(
                                SyntheticSeries.ixi(2.0, 2.0, 0.5).headers,
                                SyntheticSeries.ixi(2.0, 2.0, 0.5).source())
                        .lowField())
                .isEqualTo("TRUE");
        SyntheticSeries none = SyntheticSeries.ixi(2.0, 2.0, null);
        Assessment a = assessor.assess(none.headers, none.source());
        assertThat(a.lowField()).isEqualTo("UNKNOWN");
        assertThat(a.reasons()).anyMatch(r -> r.contains("field strength unknown"));
    }

    @Test
    void fineSpacingWithThickSlicesIsNotLowResolutionButThick() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(0.9, 5.0, 3.0);
        Assessment a = new Assessor(new QualityTargets(1.5, 1.0, 3.0, 100, 0.1)).assess(s.headers, s.source());
        assertThat(a.lowResolution()).isFalse();
        assertThat(a.thickSlices()).isTrue();
        assertThat(a.actions()).containsExactly("SKIP");
    }

    @Test
    void undecodablePixelsOfOneSliceMakeItADropout() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(2.0, 2.0, 3.0);
        s.pixels.remove("1.2.3.4.41");
        Assessment a = assessor.assess(s.headers, s.source());
        assertThat(a.dropoutSlices()).contains(40);
        assertThat(a.corrupted()).isTrue();
    }

    @Test
    void slicesInATransferSyntaxWithoutDecoderMakeTheSeriesNotApplicable() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(2.0, 2.0, 3.0);
        PixelSource decodable = s.source();
        Assessment a = assessor.assess(s.headers, h -> {
            if (h.sopInstanceUid().equals("1.2.3.4.41")) {
                throw new org.srinode.dicom.NoDecoderException(
                        "pixel data cannot be decoded: No reader for jpeg-lossless available for Transfer Syntax 1.2.840.10008.1.2.4.70",
                        null);
            }
            return decodable.pixels(h);
        });
        assertThat(a.applicable()).isFalse();
        assertThat(a.notApplicableReason()).contains("slice(s) [41]").contains("jpeg-lossless");
    }

    @Test
    void outOfScopeSeriesGetAReasonNotAnException() throws Exception {
        SyntheticSeries s = SyntheticSeries.ixi(2.0, 2.0, 3.0);
        ImageHeader h = s.headers.get(0);
        assertThat(assessor.assess(List.of(with(h, "CT", List.of("ORIGINAL"), 1, "MONOCHROME2")), s.source())
                        .notApplicableReason())
                .contains("not MR");
        assertThat(assessor.assess(
                                List.of(with(h, "MR", List.of("ORIGINAL", "PRIMARY", "LOCALIZER"), 1, "MONOCHROME2")),
                                s.source())
                        .notApplicableReason())
                .contains("localizer");
        assertThat(assessor.assess(List.of(with(h, "MR", List.of(), 24, "MONOCHROME2")), s.source())
                        .notApplicableReason())
                .contains("multi-frame");
        assertThat(assessor.assess(List.of(with(h, "MR", List.of(), 1, "RGB")), s.source())
                        .notApplicableReason())
                .contains("colour");
        HeaderEdit noMatrix = HeaderEdit.of(h);
        noMatrix.columns = -1; // found by MalformedHeadersProperties: Corruption.regions threw NegativeArraySize
        assertThat(assessor.assess(List.of(noMatrix.build()), x -> new float[0]).notApplicableReason())
                .contains("no image matrix");
        noMatrix.columns = 65535; // the largest US value: rows x columns would overflow an int in the checks
        HeaderEdit huge = HeaderEdit.of(noMatrix.build());
        huge.rows = 65535;
        assertThat(assessor.assess(List.of(huge.build()), x -> {
                            throw new IllegalStateException("never decoded");
                        })
                        .notApplicableReason())
                .contains("beyond the 4096 x 4096");
        HeaderEdit tall = HeaderEdit.of(h);
        tall.rows = 65535; // one side over the limit is enough, whatever the other
        tall.columns = 256;
        assertThat(assessor.assess(List.of(tall.build()), x -> new float[0]).notApplicableReason())
                .contains("beyond the 4096 x 4096");
        assertThat(assessor.assess(List.of(), s.source()).applicable()).isFalse();
        assertThat(assessor.assess(s.headers, x -> {
                            throw new IllegalStateException("JPEG-LS codec missing");
                        })
                        .notApplicableReason())
                .contains("cannot be decoded")
                .contains("JPEG-LS codec missing");
    }

    private static ImageHeader with(ImageHeader h, String modality, List<String> type, int frames, String photometric) {
        HeaderEdit e = HeaderEdit.of(h);
        e.modality = modality;
        e.imageType = type;
        e.frames = frames;
        e.photometric = photometric;
        e.samplesPerPixel = photometric.equals("RGB") ? 3 : 1;
        return e.build();
    }

    private static ImageHeader withoutPosition(ImageHeader h) {
        HeaderEdit e = HeaderEdit.of(h);
        e.position = null;
        return e.build();
    }

    /** Issue 13 item 3: without one usable slice order the series is not enhanced, and the reason says so. */
    @Test
    void aSeriesWithoutUsableGeometryIsNotApplicableWithTheReason() {
        List<ImageHeader> all = new ArrayList<>();
        List<ImageHeader> some = new ArrayList<>();
        for (int z = 0; z < 8; z++) {
            ImageHeader h = SyntheticSeries.header("1.2.3.4." + (z + 1), z, 2.0, 3.0, 0.5);
            all.add(withoutPosition(h));
            some.add(z % 3 == 1 ? withoutPosition(h) : h);
        }
        PixelSource none = h -> {
            throw new IllegalStateException("pixels must not be read");
        };
        Assessment a = assessor.assess(all, none);
        assertThat(a.applicable()).isFalse();
        assertThat(a.notApplicableReason())
                .contains("Image Position/Orientation (Patient) missing or unusable on 8 of 8 slices");
        Assessment b = assessor.assess(some, none);
        assertThat(b.applicable()).isFalse();
        assertThat(b.notApplicableReason()).contains("on 3 of 8 slices");
    }
}
