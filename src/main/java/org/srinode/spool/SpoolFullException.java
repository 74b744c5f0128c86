package org.srinode.spool;

/** Free disk space is below the configured reserve: nothing is written. */
public class SpoolFullException extends Exception {
    public SpoolFullException(String message) {
        super(message);
    }
}
