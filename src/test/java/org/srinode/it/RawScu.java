package org.srinode.it;

import com.pixelmed.dicom.SetOfDicomFiles;
import com.pixelmed.network.MultipleInstanceTransferStatusHandler;
import com.pixelmed.network.StorageSOPClassSCU;
import java.nio.file.Path;

/**
 * PixelMed's SCU streams a file's data set bytes without parsing them all, so it can deliver data
 * that dcmtk refuses to send (a truncated file): what a broken modality would put on the wire.
 */
final class RawScu {
    private RawScu() {}

    /** Returns {completed, failed} as the SCU counted them from the C-STORE responses (completed: answered at all). */
    static int[] send(int port, Path file) throws Exception {
        SetOfDicomFiles set = new SetOfDicomFiles();
        set.add(file.toString());
        int[] counts = new int[2];
        new StorageSOPClassSCU(
                "127.0.0.1", port, "SRI_NODE", "RAWSCU", set, 0, new MultipleInstanceTransferStatusHandler() {
                    @Override
                    public void updateStatus(int remaining, int completed, int failed, int warning, String uid) {
                        counts[0] = completed;
                        counts[1] = failed;
                    }
                });
        return counts;
    }
}
