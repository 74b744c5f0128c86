package org.srinode.dicom;

/** The data is not a readable DICOM instance, or lacks an identifying attribute; the message says which. */
public class InvalidDicomException extends Exception {
    public InvalidDicomException(String message) {
        super(message);
    }

    public InvalidDicomException(String message, Throwable cause) {
        super(message, cause);
    }
}
