package org.srinode.dimse;

/** DIMSE status codes the node sends (PS3.7 Annex C, PS3.4 Annex B). */
public final class DimseStatus {
    /** Success. */
    public static final int SUCCESS = 0x0000;
    /** Refused: out of resources (free disk below the reserve, or the spool could not be written). */
    public static final int OUT_OF_RESOURCES = 0xA700;
    /** Error: data set does not match SOP class (command and data set disagree). */
    public static final int DATASET_DOES_NOT_MATCH = 0xA900;
    /** Error: cannot understand (unparseable data set or a missing identifying UID). */
    public static final int CANNOT_UNDERSTAND = 0xC000;
    /** Failure: unrecognized operation (PS3.7 C.5.2): a DIMSE command the node does not provide. */
    public static final int UNRECOGNIZED_OPERATION = 0x0211;

    private DimseStatus() {}

    public static String hex(int status) {
        return String.format("0x%04X", status);
    }
}
