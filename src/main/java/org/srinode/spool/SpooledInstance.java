package org.srinode.spool;

import java.nio.file.Path;
import org.srinode.dicom.InstanceHeader;

/**
 * One instance durable in the spool.
 *
 * @param header     identifying header
 * @param path       the committed file
 * @param sizeBytes  file size
 * @param callingAe  AE title that sent it (empty when recovered from disk)
 */
public record SpooledInstance(InstanceHeader header, Path path, long sizeBytes, String callingAe) {}
