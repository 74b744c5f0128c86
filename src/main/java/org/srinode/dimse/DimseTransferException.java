package org.srinode.dimse;

/** A C-STORE to a remote AE did not complete for every instance; the message says how many and why. */
public class DimseTransferException extends Exception {
    public DimseTransferException(String message) {
        super(message);
    }

    public DimseTransferException(String message, Throwable cause) {
        super(message, cause);
    }
}
