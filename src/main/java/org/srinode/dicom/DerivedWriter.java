package org.srinode.dicom;

import static org.srinode.dicom.AttributeValues.put;
import static org.srinode.dicom.AttributeValues.sourceImage;
import static org.srinode.dicom.AttributeValues.text;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.CodedSequenceItem;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.DateTimeAttribute;
import com.pixelmed.dicom.DecimalStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.IntegerStringAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.ShortTextAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TimeAttribute;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.UnsignedShortAttribute;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.srinode.derived.DerivedSpec;
import org.srinode.derived.DerivedUids;
import org.srinode.derived.Geometry2D;

/**
 * Writes one slice of a derived (AI-enhanced) MR series from its source instance: the source's patient,
 * study and frame of reference, a new series and SOP instance (deterministic UIDs), the derivation
 * attributes, recomputed geometry, and pixel values in the source's bit depth and rescale.
 *
 * <p>About 330 lines: every attribute it adds, changes or removes is here, in the order of the conformance statement's
 * section 6 that DerivedAttributesConformanceTest checks against it.
 */
public final class DerivedWriter {
    /**
     * Manufacturer (0008,0070) in the Contributing Equipment Sequence item the node adds to every image it derives: how
     * an sri-node recognises AI output (its own or another node's) that must not be enhanced again.
     */
    public static final String MANUFACTURER = "sri-node";

    // not in PixelMed's TagFromName (the last two are retired, PS3.6)
    private static final AttributeTag CONTRIBUTION_DATE_TIME = new AttributeTag(0x0018, 0xA002);
    private static final AttributeTag RETIRED_IMAGE_POSITION = new AttributeTag(0x0020, 0x0030);
    private static final AttributeTag RETIRED_IMAGE_ORIENTATION = new AttributeTag(0x0020, 0x0035);
    private static final java.util.Set<String> UNPAIRED = java.util.Set.of(
            "BRAIN",
            "HEAD",
            "SKULL",
            "HEADNECK",
            "NECK",
            "CSPINE",
            "TSPINE",
            "LSPINE",
            "SPINE",
            "WHOLESPINE",
            "CHEST",
            "HEART",
            "ABDOMEN",
            "PELVIS",
            "WHOLEBODY");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmmss");

    private DerivedWriter() {}

    /**
     * @param source    the source instance (Part 10)
     * @param spec      the derived series
     * @param pixels    the enhanced slice in source units (rows x columns, row-major)
     * @param rows      rows of the enhanced slice
     * @param columns   columns of the enhanced slice
     * @param out       file to write (written under a temporary name, fsync'd, renamed)
     * @return the SOP Instance UID written
     */
    public static String write(Path source, DerivedSpec spec, float[] pixels, int rows, int columns, Path out)
            throws IOException, InvalidDicomException {
        return write(source, spec, pixels, rows, columns, out, null);
    }

    /**
     * A slice that was missing in the source, filled by the node: written from its neighbour's header,
     * at the missing position along the slice normal.
     *
     * @param index          which slice of the gap (0, 1, ...): part of its SOP Instance UID
     * @param position       Image Position (Patient) of the missing slice in the source's grid
     * @param instanceNumber its Instance Number
     * @param otherNeighbour SOP Instance UID of the slice on the other side of the gap (referenced as a source too)
     */
    public record Fill(int index, double[] position, int instanceNumber, String otherNeighbour) {}

    /** Writes a filled slice (see {@link Fill}) from the header of a neighbouring source instance. */
    public static String writeFilled(
            Path neighbour, DerivedSpec spec, float[] pixels, int rows, int columns, Fill fill, Path out)
            throws IOException, InvalidDicomException {
        return write(neighbour, spec, pixels, rows, columns, out, fill);
    }

    /** The SOP Instance UID of a filled slice (the same on every rewrite of the same derived series). */
    public static String filledInstanceUid(String neighbourSopInstanceUid, int index, DerivedSpec spec) {
        return DerivedUids.of(neighbourSopInstanceUid, spec.seriesInstanceUid(), "filled-" + index);
    }

    private static String write(
            Path source, DerivedSpec spec, float[] pixels, int rows, int columns, Path out, Fill fill)
            throws IOException, InvalidDicomException {
        AttributeList l = new AttributeList();
        try {
            l.read(source.toString(), TagFromName.PixelData);
            String sourceSop = text(l, TagFromName.SOPInstanceUID);
            String sopClass = text(l, TagFromName.SOPClassUID);
            String sop = fill == null ? instanceUid(sourceSop, spec) : filledInstanceUid(sourceSop, fill.index(), spec);
            l.removeMetaInformationHeaderAttributes();
            l.removeGroupLengthAttributes();
            l.removePrivateAttributes();
            for (AttributeTag t : new AttributeTag[] {
                TagFromName.IconImageSequence,
                TagFromName.SmallestImagePixelValue,
                TagFromName.LargestImagePixelValue,
                TagFromName.PixelPaddingValue,
                TagFromName.ReferencedImageSequence,
                RETIRED_IMAGE_POSITION,
                RETIRED_IMAGE_ORIENTATION
            }) {
                l.remove(t);
            }
            fixSourceDefects(l);
            if (fill != null) {
                filled(l, fill);
            }
            geometry(l, spec.scale(), rows, columns);
            identity(l, spec, sop, sopClass);
            derivation(l, spec, sourceSop, sopClass);
            if (fill != null) {
                SequenceAttribute sources = (SequenceAttribute) l.get(TagFromName.SourceImageSequence);
                sources.addItem(sourceImage(sopClass, fill.otherNeighbour()));
                put(
                        l,
                        new ShortTextAttribute(TagFromName.DerivationDescription),
                        "Slice missing in the acquisition, filled by linear interpolation of the AI-enhanced neighbouring slices. "
                                + spec.derivationDescription());
            }
            pixels(l, pixels, rows, columns);
            DurableFile.write(l, out);
            return sop;
        } catch (DicomException e) {
            throw new InvalidDicomException(
                    "cannot write the derived instance of " + source.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Scanner files are not always valid: what the derived object would inherit wrongly is fixed here
     * (Laterality is Type 2C in General Series: removed when empty for an unpaired body part, sent empty
     * when the body part is unknown;
     * empty Type 3 sequences are removed; a zero Window Width is invalid: the
     * window is dropped so that viewers compute their own).
     */
    private static void fixSourceDefects(AttributeList l) {
        String bodyPart = text(l, TagFromName.BodyPartExamined);
        boolean unpaired = UNPAIRED.contains(bodyPart.toUpperCase(java.util.Locale.ROOT));
        String laterality = text(l, TagFromName.Laterality);
        if (unpaired && laterality.isEmpty()) {
            l.remove(TagFromName.Laterality); // Type 2C, not allowed for an unpaired body part
        } else if (bodyPart.isEmpty()
                && l.get(TagFromName.Laterality) == null
                && l.get(TagFromName.ImageLaterality) == null) {
            l.put(new CodeStringAttribute(TagFromName.Laterality)); // body part unknown: may be paired, send it empty
        }
        for (AttributeTag t : new AttributeTag[] {
            TagFromName.ProcedureCodeSequence,
            TagFromName.ReferencedStudySequence,
            TagFromName.ReferencedPatientSequence,
            TagFromName.ReferencedPerformedProcedureStepSequence
        }) {
            if (l.get(t) instanceof SequenceAttribute seq && seq.getNumberOfItems() == 0) {
                l.remove(t); // Type 3 sequences must not be present without items
            }
        }
        double[] width = Attribute.getDoubleValues(l, TagFromName.WindowWidth);
        if (width != null && java.util.Arrays.stream(width).anyMatch(w -> w < 1)) {
            l.remove(TagFromName.WindowWidth);
            l.remove(TagFromName.WindowCenter);
            l.remove(TagFromName.WindowCenterWidthExplanation);
        }
    }

    /** The SOP Instance UID the derived copy of a source instance gets (the same on every rewrite of the same derived series). */
    public static String instanceUid(String sourceSopInstanceUid, DerivedSpec spec) {
        return DerivedUids.of(sourceSopInstanceUid, spec.seriesInstanceUid(), "instance");
    }

    private static void identity(AttributeList l, DerivedSpec spec, String sop, String sopClass) throws DicomException {
        String now = LocalDateTime.now().format(DATE);
        String time = LocalDateTime.now().format(TIME);
        put(l, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), sop);
        put(l, new UniqueIdentifierAttribute(TagFromName.SOPClassUID), sopClass);
        put(l, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), spec.seriesInstanceUid());
        put(l, new IntegerStringAttribute(TagFromName.SeriesNumber), Integer.toString(spec.seriesNumber()));
        String desc = (text(l, TagFromName.SeriesDescription) + " " + spec.descriptionSuffix()).trim();
        put(
                l,
                new LongStringAttribute(TagFromName.SeriesDescription),
                desc.length() > 64 ? desc.substring(0, 64) : desc);
        put(l, new DateAttribute(TagFromName.InstanceCreationDate), now);
        put(l, new TimeAttribute(TagFromName.InstanceCreationTime), time);
        put(l, new DateAttribute(TagFromName.SeriesDate), now);
        put(l, new TimeAttribute(TagFromName.SeriesTime), time);
        put(l, new com.pixelmed.dicom.LongTextAttribute(TagFromName.ImageComments), DerivedSpec.IMAGE_COMMENT);
        CodeStringAttribute type = new CodeStringAttribute(TagFromName.ImageType);
        type.addValue("DERIVED");
        type.addValue("SECONDARY");
        String[] old = Attribute.getStringValues(l, TagFromName.ImageType);
        type.addValue(old != null && old.length > 2 ? old[2] : "OTHER");
        l.put(type);
    }

    private static void derivation(AttributeList l, DerivedSpec spec, String sourceSop, String sopClass)
            throws DicomException {
        put(l, new ShortTextAttribute(TagFromName.DerivationDescription), spec.derivationDescription());
        SequenceAttribute codes = new SequenceAttribute(TagFromName.DerivationCodeSequence);
        codes.addItem(new CodedSequenceItem("113085", "DCM", "Spatial resampling").getAttributeList());
        l.put(codes);
        SequenceAttribute sources = new SequenceAttribute(TagFromName.SourceImageSequence);
        sources.addItem(sourceImage(sopClass, sourceSop));
        l.put(sources);
        AttributeList eq = new AttributeList();
        put(eq, new LongStringAttribute(TagFromName.Manufacturer), MANUFACTURER);
        put(eq, new LongStringAttribute(TagFromName.ManufacturerModelName), spec.modelName());
        LongStringAttribute versions = new LongStringAttribute(TagFromName.SoftwareVersions);
        versions.addValue(spec.softwareVersion());
        versions.addValue(spec.modelName() + " " + spec.modelVersion());
        eq.put(versions);
        SequenceAttribute eqPurpose = new SequenceAttribute(TagFromName.PurposeOfReferenceCodeSequence);
        eqPurpose.addItem(new CodedSequenceItem("109102", "DCM", "Processing Equipment").getAttributeList());
        eq.put(eqPurpose);
        put(
                eq,
                new DateTimeAttribute(CONTRIBUTION_DATE_TIME),
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")));
        put(
                eq,
                new ShortTextAttribute(TagFromName.ContributionDescription),
                spec.modelName() + " " + spec.modelVersion() + ": " + String.join(", ", spec.actions()));
        SequenceAttribute equipment = new SequenceAttribute(TagFromName.ContributingEquipmentSequence);
        equipment.addItem(eq);
        l.put(equipment);
    }

    private static void filled(AttributeList l, Fill fill) throws DicomException {
        DecimalStringAttribute pos = new DecimalStringAttribute(TagFromName.ImagePositionPatient);
        for (double v : fill.position()) {
            pos.addValue(ds(v));
        }
        l.put(pos);
        put(l, new IntegerStringAttribute(TagFromName.InstanceNumber), Integer.toString(fill.instanceNumber()));
        l.remove(TagFromName.SliceLocation);
    }

    private static void geometry(AttributeList l, int scale, int rows, int columns) throws DicomException {
        double[] ps = Attribute.getDoubleValues(l, TagFromName.PixelSpacing);
        double[] o = Attribute.getDoubleValues(l, TagFromName.ImageOrientationPatient);
        double[] p = Attribute.getDoubleValues(l, TagFromName.ImagePositionPatient);
        if (ps != null && ps.length == 2) {
            if (o != null && o.length == 6 && p != null && p.length == 3) {
                double[] np = Geometry2D.upscaledPosition(p, o, ps, scale);
                DecimalStringAttribute pos = new DecimalStringAttribute(TagFromName.ImagePositionPatient);
                for (double v : np) {
                    pos.addValue(ds(v));
                }
                l.put(pos);
            }
            DecimalStringAttribute spacing = new DecimalStringAttribute(TagFromName.PixelSpacing);
            spacing.addValue(ds(ps[0] / scale));
            spacing.addValue(ds(ps[1] / scale));
            l.put(spacing);
        }
        put(l, new UnsignedShortAttribute(TagFromName.Rows), Integer.toString(rows));
        put(l, new UnsignedShortAttribute(TagFromName.Columns), Integer.toString(columns));
    }

    private static void pixels(AttributeList l, float[] v, int rows, int columns) throws DicomException {
        int bitsStored = Math.min(16, Attribute.getSingleIntegerValueOrDefault(l, TagFromName.BitsStored, 16));
        boolean signed = Attribute.getSingleIntegerValueOrDefault(l, TagFromName.PixelRepresentation, 0) == 1;
        double slope = Attribute.getSingleDoubleValueOrDefault(l, TagFromName.RescaleSlope, 1.0);
        double intercept = Attribute.getSingleDoubleValueOrDefault(l, TagFromName.RescaleIntercept, 0.0);
        if (slope == 0) {
            slope = 1;
        }
        long min = signed ? -(1L << (bitsStored - 1)) : 0;
        long max = signed ? (1L << (bitsStored - 1)) - 1 : (1L << bitsStored) - 1;
        short[] stored = new short[rows * columns];
        for (int i = 0; i < stored.length; i++) {
            long s = Math.round((v[i] - intercept) / slope);
            stored[i] = (short) Math.max(min, Math.min(max, s));
        }
        put(l, new UnsignedShortAttribute(TagFromName.BitsAllocated), "16");
        put(l, new UnsignedShortAttribute(TagFromName.BitsStored), Integer.toString(bitsStored));
        put(l, new UnsignedShortAttribute(TagFromName.HighBit), Integer.toString(bitsStored - 1));
        put(l, new UnsignedShortAttribute(TagFromName.SamplesPerPixel), "1");
        OtherWordAttribute px = new OtherWordAttribute(TagFromName.PixelData);
        px.setValues(stored);
        l.put(px);
    }

    private static String ds(double v) {
        String s = String.format(java.util.Locale.ROOT, "%.6f", v);
        s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s.length() > 16 ? s.substring(0, 16) : s;
    }
}
