package org.srinode.dicom;

/**
 * The data is not an instance the node can keep and deliver; the message says why, in words fit for
 * a DIMSE Error Comment (0000,0902) and the log. The {@link Kind} selects the status the SCP answers
 * with (PS3.4 Annex B.2.3).
 */
public class InvalidDicomException extends Exception {
    /** Why an instance is refused. */
    public enum Kind {
        /** The data set cannot be parsed, lacks an identifying attribute or holds values out of range (0xC000). */
        CANNOT_UNDERSTAND,
        /** The data set's SOP Class is not the one the command and presentation context announced (0xA900). */
        DOES_NOT_MATCH_SOP_CLASS,
        /** Its SOP Instance UID (or Series UID) is already registered with other identifying attributes (0xC000). */
        IDENTITY_CONFLICT,
        /**
         * Nothing is wrong with the data: the node cannot check it now ({@link ParseBudget}); refused as out of
         * resources (0xA700), to be sent again; never a reason to quarantine a file.
         */
        OUT_OF_RESOURCES
    }

    private final Kind kind;

    public InvalidDicomException(String message) {
        this(message, Kind.CANNOT_UNDERSTAND);
    }

    public InvalidDicomException(String message, Kind kind) {
        super(message);
        this.kind = kind;
    }

    public InvalidDicomException(String message, Throwable cause) {
        super(message, cause);
        this.kind = Kind.CANNOT_UNDERSTAND;
    }

    public Kind kind() {
        return kind;
    }
}
