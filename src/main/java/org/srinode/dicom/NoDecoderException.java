package org.srinode.dicom;

/** The pixel data are in a transfer syntax this node has no decoder for (not damaged data). */
public class NoDecoderException extends InvalidDicomException {
    public NoDecoderException(String message, Throwable cause) {
        super(message, cause);
    }
}
