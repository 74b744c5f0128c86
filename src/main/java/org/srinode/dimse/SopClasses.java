package org.srinode.dimse;

import com.pixelmed.dicom.SOPClass;

/** Which abstract syntaxes the SCP accepts: Verification and every storage SOP class PixelMed knows. */
public final class SopClasses {
    public static final String VERIFICATION = "1.2.840.10008.1.1";

    private SopClasses() {}

    public static boolean isVerification(String uid) {
        return VERIFICATION.equals(uid);
    }

    public static boolean isStorage(String uid) {
        return uid != null && SOPClass.isStorage(uid);
    }
}
