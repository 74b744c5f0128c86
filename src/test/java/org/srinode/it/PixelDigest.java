package org.srinode.it;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.OtherByteAttributeMultipleCompressedFrames;
import com.pixelmed.dicom.TagFromName;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;

/** SHA-256 of the pixel data of a Part 10 file, as stored (compressed frames are not decoded). */
final class PixelDigest {
    private PixelDigest() {}

    static String of(byte[] part10) throws Exception {
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        try (DicomInputStream in = new DicomInputStream(new ByteArrayInputStream(part10))) {
            list.read(in);
        }
        Attribute a = list.get(TagFromName.PixelData);
        if (a == null) {
            throw new IllegalStateException("no pixel data");
        }
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        if (a instanceof OtherByteAttributeMultipleCompressedFrames c) {
            for (byte[] f : c.getFrames()) {
                md.update(f);
            }
        } else if ("OW".equals(new String(a.getVR()))) {
            short[] s = a.getShortValues();
            ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            b.asShortBuffer().put(s);
            md.update(b.array());
        } else {
            md.update(a.getByteValues());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
