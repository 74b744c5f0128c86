package org.srinode.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.nio.file.Path;
import org.srinode.files.DurableFiles;

/** Writes a data set the node made as a Part 10 file that is either complete on disk or absent. */
final class DurableFile {
    private DurableFile() {}

    /**
     * Explicit VR Little Endian with file meta information; text in one character set
     * ({@link TextEncoding}); written through {@link DurableFiles#write} (its own temporary .part file, fsync'd, renamed, folder fsync'd).
     */
    static void write(AttributeList l, Path out) throws IOException, DicomException {
        TextEncoding.prepare(l);
        FileMetaInformation.addFileMetaInformation(l, TransferSyntax.ExplicitVRLittleEndian, "SRI_NODE");
        DurableFiles.write(out, temp -> l.write(temp.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true));
    }
}
