package org.srinode.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes a data set the node made as a Part 10 file that is either complete on disk or absent. */
final class DurableFile {
    private DurableFile() {}

    /**
     * Explicit VR Little Endian with file meta information; text in one character set
     * ({@link TextEncoding}); written under .part, fsync'd, renamed.
     */
    static void write(AttributeList l, Path out) throws IOException, DicomException {
        TextEncoding.prepare(l);
        FileMetaInformation.addFileMetaInformation(l, TransferSyntax.ExplicitVRLittleEndian, "SRI_NODE");
        Path tmp = out.resolveSibling(out.getFileName() + ".part");
        Files.createDirectories(out.getParent());
        l.write(tmp.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
