package org.srinode.dicom;

import static org.srinode.dicom.AttributeValues.put;
import static org.srinode.dicom.AttributeValues.readHeader;
import static org.srinode.dicom.AttributeValues.sopReference;
import static org.srinode.dicom.AttributeValues.sourceImage;
import static org.srinode.dicom.AttributeValues.text;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.AttributeTagAttribute;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.CodedSequenceItem;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.DecimalStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.IntegerStringAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.OtherByteAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.ShortTextAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TimeAttribute;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.UnsignedLongAttribute;
import com.pixelmed.dicom.UnsignedShortAttribute;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * A DICOM Segmentation (binary, one segment) of the regions the model inpainted, on the grid of the
 * derived series and referencing its instances: one frame per derived slice that has such a region.
 *
 * <p>About 300 lines: the modules of the Segmentation IOD (PS3.3 A.51) that it writes, each a short method.
 */
public final class SegmentationWriter {
    public static final String SEGMENTATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4";

    private SegmentationWriter() {}

    /**
     * @param derived        the derived series' files, in slice order
     * @param masks          per derived slice, true where the model inpainted (null or all false: no frame)
     * @param seriesUid      Series Instance UID of the segmentation
     * @param seriesNumber   its Series Number
     * @param software       software version written into the equipment attributes
     * @param out            file to write
     * @return the number of frames written (0: nothing was inpainted, no file)
     */
    public static int write(
            List<Path> derived, List<boolean[]> masks, String seriesUid, int seriesNumber, String software, Path out)
            throws IOException, InvalidDicomException {
        List<Integer> frames = new ArrayList<>();
        for (int z = 0; z < masks.size(); z++) {
            boolean[] m = masks.get(z);
            if (m != null) {
                for (boolean b : m) {
                    if (b) {
                        frames.add(z);
                        break;
                    }
                }
            }
        }
        if (frames.isEmpty()) {
            return 0;
        }
        try {
            AttributeList first = readHeader(derived.get(frames.get(0))).list();
            int rows = Attribute.getSingleIntegerValueOrDefault(first, TagFromName.Rows, 0);
            int columns = Attribute.getSingleIntegerValueOrDefault(first, TagFromName.Columns, 0);
            AttributeList l = new AttributeList();
            copyPatientAndStudy(
                    first,
                    l,
                    java.util.Set.of(TagFromName.SpecificCharacterSet),
                    TagFromName.FrameOfReferenceUID,
                    TagFromName.PositionReferenceIndicator,
                    TagFromName.SpecificCharacterSet);
            String sop = seriesUid + ".1";
            String now = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd"));
            String time = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
            put(l, new UniqueIdentifierAttribute(TagFromName.SOPClassUID), SEGMENTATION_STORAGE);
            put(l, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), sop);
            put(l, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), seriesUid);
            put(l, new CodeStringAttribute(TagFromName.Modality), "SEG");
            put(l, new IntegerStringAttribute(TagFromName.SeriesNumber), Integer.toString(seriesNumber));
            put(l, new LongStringAttribute(TagFromName.SeriesDescription), "AI-inpainted regions");
            put(l, new IntegerStringAttribute(TagFromName.InstanceNumber), "1");
            put(l, new DateAttribute(TagFromName.ContentDate), now);
            put(l, new TimeAttribute(TagFromName.ContentTime), time);
            put(l, new DateAttribute(TagFromName.SeriesDate), now);
            put(l, new TimeAttribute(TagFromName.SeriesTime), time);
            put(l, new LongStringAttribute(TagFromName.Manufacturer), "sri-node");
            put(l, new LongStringAttribute(TagFromName.ManufacturerModelName), "sri-node");
            put(l, new LongStringAttribute(TagFromName.DeviceSerialNumber), "0");
            put(l, new LongStringAttribute(TagFromName.SoftwareVersions), software);
            CodeStringAttribute type = new CodeStringAttribute(TagFromName.ImageType);
            type.addValue("DERIVED");
            type.addValue("PRIMARY");
            l.put(type);
            put(l, new CodeStringAttribute(TagFromName.ContentLabel), "INPAINTED");
            put(
                    l,
                    new LongStringAttribute(TagFromName.ContentDescription),
                    "Regions missing in the acquisition, filled by the model");
            l.put(new PersonNameAttribute(TagFromName.ContentCreatorName));
            put(l, new CodeStringAttribute(TagFromName.SegmentationType), "BINARY");
            put(l, new UnsignedShortAttribute(TagFromName.SamplesPerPixel), "1");
            put(l, new CodeStringAttribute(TagFromName.PhotometricInterpretation), "MONOCHROME2");
            put(l, new UnsignedShortAttribute(TagFromName.Rows), Integer.toString(rows));
            put(l, new UnsignedShortAttribute(TagFromName.Columns), Integer.toString(columns));
            put(l, new UnsignedShortAttribute(TagFromName.BitsAllocated), "1");
            put(l, new UnsignedShortAttribute(TagFromName.BitsStored), "1");
            put(l, new UnsignedShortAttribute(TagFromName.HighBit), "0");
            put(l, new UnsignedShortAttribute(TagFromName.PixelRepresentation), "0");
            put(l, new CodeStringAttribute(TagFromName.LossyImageCompression), "00");
            put(l, new IntegerStringAttribute(TagFromName.NumberOfFrames), Integer.toString(frames.size()));
            l.put(segments());
            String dimensionUid = seriesUid + ".2";
            dimensions(l, dimensionUid);
            shared(l, first);
            SequenceAttribute perFrame = new SequenceAttribute(TagFromName.PerFrameFunctionalGroupsSequence);
            SequenceAttribute refInstances = new SequenceAttribute(TagFromName.ReferencedInstanceSequence);
            for (int k = 0; k < frames.size(); k++) {
                AttributeList d = readHeader(derived.get(frames.get(k))).list();
                perFrame.addItem(frame(d, k + 1));
                refInstances.addItem(
                        sopReference(text(d, TagFromName.SOPClassUID), text(d, TagFromName.SOPInstanceUID)));
            }
            l.put(perFrame);
            AttributeList refSeries = new AttributeList();
            put(
                    refSeries,
                    new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID),
                    text(first, TagFromName.SeriesInstanceUID));
            refSeries.put(refInstances);
            SequenceAttribute refSeriesSeq = new SequenceAttribute(TagFromName.ReferencedSeriesSequence);
            refSeriesSeq.addItem(refSeries);
            l.put(refSeriesSeq);
            OtherByteAttribute px = new OtherByteAttribute(TagFromName.PixelData);
            px.setValues(pack(frames, masks, rows * columns));
            l.put(px);
            DurableFile.write(l, out);
            return frames.size();
        } catch (DicomException e) {
            throw new InvalidDicomException("cannot write the segmentation " + out + ": " + e.getMessage(), e);
        }
    }

    /** The Patient (PS3.3 C.7.1.1) and General Study (C.7.2.1) attributes a derived object carries over. */
    private static final AttributeTag[] PATIENT_AND_STUDY = {
        TagFromName.PatientName,
        TagFromName.PatientID,
        TagFromName.PatientBirthDate,
        TagFromName.PatientSex,
        TagFromName.StudyInstanceUID,
        TagFromName.StudyDate,
        TagFromName.StudyTime,
        TagFromName.ReferringPhysicianName,
        TagFromName.StudyID,
        TagFromName.AccessionNumber
    };

    /** {@link #copy} of {@link #PATIENT_AND_STUDY} and the further attributes {@code more}. */
    static void copyPatientAndStudy(
            AttributeList from, AttributeList to, java.util.Set<AttributeTag> optional, AttributeTag... more)
            throws DicomException {
        copy(from, to, optional, PATIENT_AND_STUDY);
        copy(from, to, optional, more);
    }

    /**
     * Copies attributes of the source's modules (patient, study, ...) into a new object: each one present
     * is copied; an absent one is written empty (Type 2), unless it is in {@code optional}.
     */
    private static void copy(
            AttributeList from, AttributeList to, java.util.Set<AttributeTag> optional, AttributeTag... tags)
            throws DicomException {
        for (AttributeTag t : tags) {
            Attribute a = from.get(t);
            if (a != null) {
                to.put(a);
            } else if (!optional.contains(t)) {
                to.put(com.pixelmed.dicom.AttributeFactory.newAttribute(t));
            }
        }
    }

    private static SequenceAttribute segments() throws DicomException {
        AttributeList s = new AttributeList();
        put(s, new UnsignedShortAttribute(TagFromName.SegmentNumber), "1");
        put(s, new LongStringAttribute(TagFromName.SegmentLabel), "AI-inpainted region");
        put(
                s,
                new ShortTextAttribute(new AttributeTag(0x0062, 0x0006) /* Segment Description */),
                "Missing or corrupted in the acquisition; the pixels here are made by the model");
        put(s, new CodeStringAttribute(TagFromName.SegmentAlgorithmType), "AUTOMATIC");
        put(
                s,
                new LongStringAttribute(new AttributeTag(0x0062, 0x0009) /* Segment Algorithm Name */),
                "sri-node assessment");
        SequenceAttribute category = new SequenceAttribute(TagFromName.SegmentedPropertyCategoryCodeSequence);
        category.addItem(new CodedSequenceItem("91723000", "SCT", "Anatomical structure").getAttributeList());
        s.put(category);
        SequenceAttribute type = new SequenceAttribute(TagFromName.SegmentedPropertyTypeCodeSequence);
        type.addItem(new CodedSequenceItem("12738006", "SCT", "Brain").getAttributeList());
        s.put(type);
        SequenceAttribute seq = new SequenceAttribute(TagFromName.SegmentSequence);
        seq.addItem(s);
        return seq;
    }

    private static void dimensions(AttributeList l, String uid) throws DicomException {
        AttributeList org = new AttributeList();
        put(org, new UniqueIdentifierAttribute(TagFromName.DimensionOrganizationUID), uid);
        SequenceAttribute orgs = new SequenceAttribute(TagFromName.DimensionOrganizationSequence);
        orgs.addItem(org);
        l.put(orgs);
        SequenceAttribute index = new SequenceAttribute(TagFromName.DimensionIndexSequence);
        index.addItem(dimension(
                uid, TagFromName.ReferencedSegmentNumber, TagFromName.SegmentIdentificationSequence, "segment"));
        index.addItem(dimension(uid, TagFromName.ImagePositionPatient, TagFromName.PlanePositionSequence, "position"));
        l.put(index);
    }

    private static AttributeList dimension(String uid, AttributeTag pointer, AttributeTag group, String label)
            throws DicomException {
        AttributeList d = new AttributeList();
        put(d, new UniqueIdentifierAttribute(TagFromName.DimensionOrganizationUID), uid);
        AttributeTagAttribute p = new AttributeTagAttribute(TagFromName.DimensionIndexPointer);
        p.addValue(pointer);
        d.put(p);
        AttributeTagAttribute g = new AttributeTagAttribute(TagFromName.FunctionalGroupPointer);
        g.addValue(group);
        d.put(g);
        put(d, new LongStringAttribute(TagFromName.DimensionDescriptionLabel), label);
        return d;
    }

    private static void shared(AttributeList l, AttributeList first) throws DicomException {
        AttributeList shared = new AttributeList();
        AttributeList orientation = new AttributeList();
        orientation.put(first.get(TagFromName.ImageOrientationPatient));
        shared.put(seq(TagFromName.PlaneOrientationSequence, orientation));
        AttributeList measures = new AttributeList();
        measures.put(first.get(TagFromName.PixelSpacing));
        Attribute thickness = first.get(TagFromName.SliceThickness);
        measures.put(thickness != null ? thickness : decimal(TagFromName.SliceThickness, "1"));
        shared.put(seq(TagFromName.PixelMeasuresSequence, measures));
        l.put(seq(TagFromName.SharedFunctionalGroupsSequence, shared));
    }

    private static AttributeList frame(AttributeList derived, int position) throws DicomException {
        AttributeList f = new AttributeList();
        AttributeList src =
                sourceImage(text(derived, TagFromName.SOPClassUID), text(derived, TagFromName.SOPInstanceUID));
        AttributeList derivation = new AttributeList();
        derivation.put(seq(TagFromName.SourceImageSequence, src));
        SequenceAttribute code = new SequenceAttribute(TagFromName.DerivationCodeSequence);
        code.addItem(new CodedSequenceItem("113076", "DCM", "Segmentation").getAttributeList());
        derivation.put(code);
        f.put(seq(TagFromName.DerivationImageSequence, derivation));
        AttributeList content = new AttributeList();
        UnsignedLongAttribute dims = new UnsignedLongAttribute(TagFromName.DimensionIndexValues);
        dims.addValue(1);
        dims.addValue(position);
        content.put(dims);
        f.put(seq(TagFromName.FrameContentSequence, content));
        AttributeList plane = new AttributeList();
        plane.put(derived.get(TagFromName.ImagePositionPatient));
        f.put(seq(TagFromName.PlanePositionSequence, plane));
        AttributeList segment = new AttributeList();
        put(segment, new UnsignedShortAttribute(TagFromName.ReferencedSegmentNumber), "1");
        f.put(seq(TagFromName.SegmentIdentificationSequence, segment));
        return f;
    }

    /** Frames of 1-bit pixels, packed little-endian bit order across frame boundaries, padded to an even length. */
    static byte[] pack(List<Integer> frames, List<boolean[]> masks, int pixelsPerFrame) {
        long bits = (long) frames.size() * pixelsPerFrame;
        int bytes = (int) ((bits + 7) / 8);
        byte[] out = new byte[bytes + (bytes % 2)];
        long bit = 0;
        for (int z : frames) {
            boolean[] m = masks.get(z);
            for (int i = 0; i < pixelsPerFrame; i++, bit++) {
                if (m[i]) {
                    out[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
                }
            }
        }
        return out;
    }

    private static SequenceAttribute seq(AttributeTag tag, AttributeList item) {
        SequenceAttribute s = new SequenceAttribute(tag);
        s.addItem(item);
        return s;
    }

    private static Attribute decimal(AttributeTag tag, String v) throws DicomException {
        DecimalStringAttribute a = new DecimalStringAttribute(tag);
        a.addValue(v);
        return a;
    }
}
