package org.srinode.dimse;

import com.pixelmed.dicom.SetOfDicomFiles;
import com.pixelmed.network.Association;
import com.pixelmed.network.AssociationFactory;
import com.pixelmed.network.MultipleInstanceTransferStatusHandler;
import com.pixelmed.network.PresentationContext;
import com.pixelmed.network.StorageSOPClassSCU;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;

/** C-STORE of a set of Part 10 files to one remote AE over one association (PixelMed's SCU). */
final class StoreScu {
    private StoreScu() {
    }

    /**
     * Returns the number acknowledged; throws unless every file was acknowledged. Files are sent over one
     * association per transfer syntax: PixelMed's SCU mixes up contexts when one association carries
     * the same SOP class in several transfer syntaxes (Orthanc then fails to parse the data set).
     */
    static int send(String host, int port, String calledAe, String callingAe, Collection<Path> files) throws DimseTransferException {
        List<String> missing = new ArrayList<>();
        Map<String, SetOfDicomFiles> bySyntax = new TreeMap<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                missing.add(f.toString());
                continue;
            }
            SetOfDicomFiles.DicomFile df = new SetOfDicomFiles().add(f.toString());
            String ts = df == null || df.getTransferSyntaxUID() == null ? "" : df.getTransferSyntaxUID();
            bySyntax.computeIfAbsent(ts, k -> new SetOfDicomFiles()).add(f.toString());
        }
        if (!missing.isEmpty()) {
            throw new DimseTransferException(missing.size() + " file(s) to send are missing, e.g. " + missing.get(0));
        }
        int acknowledged = 0;
        for (SetOfDicomFiles set : bySyntax.values()) {
            acknowledged += sendOne(host, port, calledAe, callingAe, set);
        }
        return acknowledged;
    }

    private static int sendOne(String host, int port, String calledAe, String callingAe, SetOfDicomFiles set) throws DimseTransferException {
        String peer = calledAe + "@" + host + ":" + port;
        int[] last = {0, 0, 0, 0};
        MultipleInstanceTransferStatusHandler handler = new MultipleInstanceTransferStatusHandler() {
            @Override
            public void updateStatus(int remaining, int completed, int failed, int warning, String sopInstanceUid) {
                last[0] = remaining;
                last[1] = completed;
                last[2] = failed;
                last[3] = warning;
            }
        };
        boolean trapped;
        Association association = null;
        try {
            association = AssociationFactory.createNewAssociation(host, port, calledAe, callingAe, contextsFor(set), null, false);
            trapped = new StorageSOPClassSCU(association, set, handler).encounteredTrappedExceptions();
        } catch (Exception e) {
            throw new DimseTransferException("C-STORE to " + peer + " failed: " + e, e);
        } finally {
            releaseQuietly(association);
        }
        // PixelMed counts a failed response as completed too: success means all completed and none failed
        int failed = last[2];
        int acknowledged = last[1] - failed;
        if (trapped && failed == 0 && last[1] == set.size()) {
            trapped = false; // every instance acknowledged; only the release went wrong
        }
        if (trapped || failed > 0 || last[1] != set.size()) {
            throw new DimseTransferException("C-STORE to " + peer + ": " + Math.max(0, acknowledged) + " of " + set.size()
                    + " acknowledged, " + failed + " failed" + (trapped ? " (the association failed during the transfer)" : ""));
        }
        return acknowledged;
    }

    /** One context per SOP class with exactly the files' transfer syntax: data leave as they arrived. */
    private static LinkedList<PresentationContext> contextsFor(SetOfDicomFiles set) {
        Set<String> seen = new LinkedHashSet<>();
        LinkedList<PresentationContext> contexts = new LinkedList<>();
        byte id = 1;
        for (SetOfDicomFiles.DicomFile f : set) {
            if (seen.add(f.getSOPClassUID()) && id > 0) {
                contexts.add(new PresentationContext(id, f.getSOPClassUID(), f.getTransferSyntaxUID()));
                id += 2;
            }
        }
        return contexts;
    }

    private static void releaseQuietly(Association association) {
        if (association == null) {
            return;
        }
        try {
            association.release();
        } catch (Exception ignored) {
            // already released by the SCU, or the peer has gone: nothing left to deliver
        }
    }
}
