package org.srinode.files;

import java.io.IOException;

/**
 * A write would take the free space of its file system below the node's disk reserve ({@link DurableFiles#reserve}):
 * nothing was written (or what was written is removed). The caller's job fails and is retried later, as after any
 * I/O error; the message says how much is free and what the reserve is.
 */
public class DiskReserveException extends IOException {
    public DiskReserveException(String message) {
        super(message);
    }
}
