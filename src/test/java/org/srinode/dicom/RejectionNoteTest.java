package org.srinode.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The IOCM rejection note the node sends for superseded derived series: a valid KOS that references exactly what it rejects. */
class RejectionNoteTest {
    @TempDir
    Path dir;

    @Test
    void theNoteIsAValidKeyObjectSelectionReferencingEveryRejectedInstance() throws Exception {
        Path study = TestPart10.mr("1.2.3.1.1.1")
                .pixels(4, 4, 32)
                .write(dir.resolve("src.dcm"), TestPart10.MR, "1.2.3.1.1.1");
        List<RejectionNote.Withdrawn> w = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            w.add(new RejectionNote.Withdrawn("2.25.100", TestPart10.MR, "2.25.100." + i));
        }
        w.add(new RejectionNote.Withdrawn("2.25.200", SegmentationWriter.SEGMENTATION_STORAGE, "2.25.200.1"));
        Path out = dir.resolve("note.dcm");
        RejectionNote.write(study, w, "2.25.300", 1002, "superseded by 2.25.400", "sri-node test", out);

        String report = Dciodvfy.assertClean(out);
        assertThat(report).contains("KeyObjectSelectionDocument");

        AttributeList l = new AttributeList();
        l.read(out.toString());
        assertThat(Attribute.getSingleStringValueOrEmptyString(l, TagFromName.SOPClassUID))
                .isEqualTo(RejectionNote.KEY_OBJECT_SELECTION);
        assertThat(Attribute.getSingleStringValueOrEmptyString(l, TagFromName.Modality))
                .isEqualTo("KO");
        assertThat(Attribute.getSingleStringValueOrEmptyString(l, TagFromName.StudyInstanceUID))
                .isEqualTo("1.2.3.1");
        SequenceAttribute title = (SequenceAttribute) l.get(TagFromName.ConceptNameCodeSequence);
        assertThat(Attribute.getSingleStringValueOrEmptyString(
                        title.getItem(0).getAttributeList(), TagFromName.CodeValue))
                .isEqualTo("113001");
        SequenceAttribute content = (SequenceAttribute) l.get(TagFromName.ContentSequence);
        List<String> referenced = new ArrayList<>();
        for (int i = 0; i < content.getNumberOfItems(); i++) {
            SequenceAttribute ref =
                    (SequenceAttribute) content.getItem(i).getAttributeList().get(TagFromName.ReferencedSOPSequence);
            if (ref != null) {
                referenced.add(Attribute.getSingleStringValueOrEmptyString(
                        ref.getItem(0).getAttributeList(), TagFromName.ReferencedSOPInstanceUID));
            }
        }
        assertThat(referenced).containsExactly("2.25.100.1", "2.25.100.2", "2.25.100.3", "2.25.200.1");
        Process dump = new ProcessBuilder("dsrdump", out.toString())
                .redirectErrorStream(true)
                .start();
        String tree = new String(dump.getInputStream().readAllBytes());
        dump.waitFor(60, TimeUnit.SECONDS);
        assertThat(tree)
                .contains("Rejected for Quality Reasons")
                .contains("superseded by 2.25.400")
                .doesNotContain("E: ");
    }

    @Test
    void aNoteWithoutInstancesIsRefused() throws Exception {
        Path study = TestPart10.mr("1.2.3.1.1.1")
                .pixels(4, 4, 32)
                .write(dir.resolve("src.dcm"), TestPart10.MR, "1.2.3.1.1.1");
        assertThatThrownBy(
                        () -> RejectionNote.write(study, List.of(), "2.25.300", 1002, "x", "t", dir.resolve("n.dcm")))
                .isInstanceOf(InvalidDicomException.class);
    }
}
