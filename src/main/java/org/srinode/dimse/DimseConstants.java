package org.srinode.dimse;

/** Message headers set and read by the dimse component. */
public final class DimseConstants {
    /** Consumer: calling AE title of the association that sent the instance. */
    public static final String CALLING_AE_TITLE = "DimseCallingAeTitle";
    /** Consumer: SOP Instance UID of the stored instance. */
    public static final String SOP_INSTANCE_UID = "DimseSopInstanceUid";
    /** Consumer: Series Instance UID of the stored instance. */
    public static final String SERIES_INSTANCE_UID = "DimseSeriesInstanceUid";
    /** Consumer: Study Instance UID of the stored instance. */
    public static final String STUDY_INSTANCE_UID = "DimseStudyInstanceUid";
    /** Producer: instances the remote AE acknowledged with success (or warning). */
    public static final String COMPLETED = "DimseCompleted";
    /** Producer: instances sent in this exchange. */
    public static final String SENT = "DimseSent";

    private DimseConstants() {}
}
