package org.srinode.dicom;

/**
 * The instance is one the node made itself and holds already (a derived series, a Segmentation or a rejection note sent
 * back to it, for example when a PACS user sends a whole study to the node again). The node keeps its own copy, drops
 * the one received, and answers the C-STORE with success (PS3.4 B.2.3): it does not re-open, re-assess or re-enhance
 * its own output. An instance the node did not make that claims a node-made series is refused instead ({@link
 * InvalidDicomException.Kind#IDENTITY_CONFLICT}).
 */
public class AlreadyHeldException extends Exception {
    public AlreadyHeldException(String message) {
        super(message, null, false, false);
    }
}
