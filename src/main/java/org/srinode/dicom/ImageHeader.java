package org.srinode.dicom;

import java.util.List;

/**
 * What assessment and processing need from one image instance, in the project's own terms. Absent
 * values are null (numbers) or empty (strings, lists).
 *
 * @param file                 where it was read from
 * @param seriesInstanceUid    Series Instance UID
 * @param sopInstanceUid       SOP Instance UID
 * @param sopClassUid          SOP Class UID
 * @param modality             Modality (0008,0060)
 * @param imageType            Image Type (0008,0008) values
 * @param seriesDescription    Series Description (0008,103E)
 * @param photometric          Photometric Interpretation (0028,0004)
 * @param samplesPerPixel      Samples per Pixel (0028,0002)
 * @param rows                 Rows
 * @param columns              Columns
 * @param frames               Number of Frames (1 when absent)
 * @param pixelSpacing         Pixel Spacing (row spacing, column spacing) in mm, or null
 * @param sliceThickness       Slice Thickness (0018,0050) in mm, or null
 * @param spacingBetweenSlices Spacing Between Slices (0018,0088) in mm, or null
 * @param orientation          Image Orientation (Patient), 6 values, or null
 * @param position             Image Position (Patient), 3 values, or null
 * @param instanceNumber       Instance Number, or null
 * @param imagesInAcquisition  Images in Acquisition (0020,1002), or null
 * @param fieldStrengthTesla   Magnetic Field Strength (0018,0087) in tesla, or null
 * @param imageStorage         the SOP class is an image storage class
 * @param hasPixelData         Pixel Data is present
 * @param contributingManufacturers Manufacturer (0008,0070) of each item of the Contributing Equipment Sequence
 *                             (0018,A001, PS3.3 C.12.1.1.5): who processed the image after acquisition; empty when absent
 */
public record ImageHeader(
        String file,
        String seriesInstanceUid,
        String sopInstanceUid,
        String sopClassUid,
        String modality,
        List<String> imageType,
        String seriesDescription,
        String photometric,
        int samplesPerPixel,
        int rows,
        int columns,
        int frames,
        double[] pixelSpacing,
        Double sliceThickness,
        Double spacingBetweenSlices,
        double[] orientation,
        double[] position,
        Integer instanceNumber,
        Integer imagesInAcquisition,
        Double fieldStrengthTesla,
        boolean imageStorage,
        boolean hasPixelData,
        List<String> contributingManufacturers) {

    /** Whether an sri-node (this one or another) made this image: its Contributing Equipment names sri-node. */
    public boolean madeBySriNode() {
        return contributingManufacturers.stream().anyMatch(m -> m.equalsIgnoreCase(DerivedWriter.MANUFACTURER));
    }
}
