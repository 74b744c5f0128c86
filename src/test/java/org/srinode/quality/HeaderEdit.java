package org.srinode.quality;

import java.util.List;
import org.srinode.dicom.ImageHeader;

/**
 * A copy of an {@link ImageHeader} whose fields a test changes before {@link #build()}: one place that knows the
 * record's 22 components, so a test that alters one attribute names only that one.
 */
final class HeaderEdit {
    private final ImageHeader h;
    String modality;
    List<String> imageType;
    String photometric;
    int samplesPerPixel;
    int rows;
    int columns;
    int frames;
    double[] position;

    private HeaderEdit(ImageHeader h) {
        this.h = h;
        modality = h.modality();
        imageType = h.imageType();
        photometric = h.photometric();
        samplesPerPixel = h.samplesPerPixel();
        rows = h.rows();
        columns = h.columns();
        frames = h.frames();
        position = h.position();
    }

    /** Starts from {@code h}; every field not changed keeps its value. */
    static HeaderEdit of(ImageHeader h) {
        return new HeaderEdit(h);
    }

    /** The header with the changed fields. */
    ImageHeader build() {
        return new ImageHeader(
                h.file(),
                h.seriesInstanceUid(),
                h.sopInstanceUid(),
                h.sopClassUid(),
                modality,
                imageType,
                h.seriesDescription(),
                photometric,
                samplesPerPixel,
                rows,
                columns,
                frames,
                h.pixelSpacing(),
                h.sliceThickness(),
                h.spacingBetweenSlices(),
                h.orientation(),
                position,
                h.instanceNumber(),
                h.imagesInAcquisition(),
                h.fieldStrengthTesla(),
                h.imageStorage(),
                h.hasPixelData(),
                h.contributingManufacturers());
    }
}
