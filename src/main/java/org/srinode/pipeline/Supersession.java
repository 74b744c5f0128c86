package org.srinode.pipeline;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;
import org.srinode.derived.DerivedUids;
import org.srinode.dicom.DicomHeaders;
import org.srinode.dicom.RejectionNote;
import org.srinode.dicom.Uids;
import org.srinode.series.DerivedSeries;
import org.srinode.series.OperatorActions;
import org.srinode.series.SeriesInfo;
import org.srinode.series.SeriesRecords;
import org.srinode.spool.SpooledInstance;

/**
 * The node's supersede policy (issue 13): every generation of a source series gets derived series of
 * its own (new Series Instance UIDs, see {@link DerivedUids#forGeneration}); when a generation is
 * processed, the derived series and Segmentations of the earlier ones are withdrawn. Withdrawn means:
 * marked superseded in the database (the API shows by what), their FORWARD and PUBLISH jobs that have not
 * started cancelled, and, for whatever may already be at the destination, an IHE IOCM rejection note
 * ({@link RejectionNote}, "Rejected for Quality Reasons") forwarded to it. The FHIR ImagingStudy lists
 * only the current derived series ({@link PublishStage}). Nothing is deleted: the earlier files, rows and
 * jobs stay as history.
 */
@ApplicationScoped
public class Supersession {
    private static final Logger LOG = Logger.getLogger(Supersession.class);

    private final SeriesRecords series;
    private final DerivedSeries derived;
    private final OperatorActions actions;
    private final DerivedSettings settings;

    @Inject
    public Supersession(
            SeriesRecords series, DerivedSeries derived, OperatorActions actions, DerivedSettings settings) {
        this.series = series;
        this.derived = derived;
        this.actions = actions;
        this.settings = settings;
    }

    /**
     * Withdraws the derived outputs of earlier generations of {@code sourceUid}.
     *
     * @param sourceUid  the acquired series
     * @param generation its generation now being processed (1, then +1 per re-opening), which is not enhanced
     * @param reason     recorded as what replaced them (a reason code such as NOT_ENHANCED)
     * @return the series withdrawn (empty at generation 1 or when nothing was made before)
     */
    public List<DerivedSeries.Superseded> withdrawEarlier(String sourceUid, int generation, String reason) {
        return withdrawEarlier(sourceUid, generation, reason, c -> null);
    }

    /**
     * {@link #withdrawEarlier(String, int, String)} with {@code first} in the same transaction, after the generation
     * check (the source's outcome: readers see it together with the withdrawal or neither).
     */
    public List<DerivedSeries.Superseded> withdrawEarlier(
            String sourceUid, int generation, String reason, org.srinode.db.Tx.Work<?> first) {
        // the run is the series' current one: an operator's re-run that ends out of scope withdraws under its own note
        // UID
        int run = series.find(sourceUid).map(SeriesInfo::enhanceRun).orElse(1);
        return register(sourceUid, generation, run, List.of(), reason, first);
    }

    /**
     * Registers this generation's derived series (with their FORWARD and PUBLISH jobs) and withdraws the
     * earlier output (of earlier generations, or of an earlier enhancement run of this one) in the same transaction.
     *
     * @param enhanceRun the enhancement run of this generation (1; more when an operator had it enhanced again)
     * @param outputs    the derived series of this generation (the enhanced series, its Segmentation)
     * @param replacedBy the new derived Series Instance UID
     */
    public List<DerivedSeries.Superseded> register(
            String sourceUid, int generation, int enhanceRun, List<DerivedSeries.Derived> outputs, String replacedBy) {
        return register(sourceUid, generation, enhanceRun, outputs, replacedBy, c -> null);
    }

    /**
     * {@link #register(String, int, int, List, String)} with {@code first} in the same transaction (the source's
     * outcome: readers see the outcome and its derived series together or neither).
     */
    public List<DerivedSeries.Superseded> register(
            String sourceUid,
            int generation,
            int enhanceRun,
            List<DerivedSeries.Derived> outputs,
            String replacedBy,
            org.srinode.db.Tx.Work<?> first) {
        String noteUid = enhanceRun > 1
                ? DerivedUids.of(
                        sourceUid,
                        "rejection-note",
                        "generation-" + generation,
                        "run-" + enhanceRun,
                        outputs.isEmpty() ? "not-enhanced" : "replaced")
                : DerivedUids.of(sourceUid, "rejection-note", "generation-" + generation);
        String why = enhanceRun > 1
                ? "an operator had the acquired series enhanced again (run " + enhanceRun + ")"
                : "the acquired series changed (generation " + generation + ")";
        List<DerivedSeries.Superseded> done = derived.supersede(
                sourceUid,
                generation,
                outputs,
                Set.of(),
                replacedBy,
                withdrawn -> note(
                        sourceUid,
                        withdrawn,
                        noteUid,
                        "is superseded: " + why + "; "
                                + (outputs.isEmpty()
                                        ? "no new output replaces it."
                                        : "its replacement is series " + replacedBy + ".")),
                first);
        log(sourceUid, generation, replacedBy, done);
        return done;
    }

    /**
     * An operator discards the current derived output of {@code sourceUid} (see {@link OperatorActions#discard}); a rejection
     * note withdraws whatever of it may be at the destination.
     *
     * @throws OperatorActions.NotApplicable when there is nothing to discard, or an enhancement is pending or running
     */
    public List<DerivedSeries.Superseded> discard(String sourceUid, String user, String comment) {
        SeriesInfo source =
                series.find(sourceUid).orElseThrow(() -> new OperatorActions.NotApplicable("no series " + sourceUid));
        String noteUid = DerivedUids.of(
                sourceUid,
                "rejection-note",
                "generation-" + source.generation(),
                "run-" + source.enhanceRun(),
                "discarded");
        List<DerivedSeries.Superseded> done = actions.discard(
                sourceUid,
                user,
                comment,
                withdrawn -> note(sourceUid, withdrawn, noteUid, "was discarded by an operator of the node."));
        log(sourceUid, source.generation(), DerivedSeries.DISCARDED, done);
        return done;
    }

    /** Writes and reads back the rejection note of the withdrawn series' delivered instances. */
    private SpooledInstance note(
            String sourceUid, List<DerivedSeries.Superseded> withdrawn, String noteUid, String what) throws Exception {
        Path anyFile = withdrawn.stream()
                .filter(w -> !w.delivered().isEmpty())
                .findFirst()
                .orElseThrow()
                .anyFile();
        String study = DicomHeaders.readAndCheck(anyFile).studyInstanceUid();
        Path out = Path.of(settings.directory()).resolve(study).resolve(noteUid).resolve(noteUid + ".1.dcm");
        List<RejectionNote.Withdrawn> all = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (DerivedSeries.Superseded w : withdrawn) {
            all.addAll(w.delivered());
            if (!w.delivered().isEmpty()) {
                names.add(w.series().seriesUid());
            }
        }
        RejectionNote.write(
                anyFile,
                all,
                noteUid,
                settings.seriesNumber() + 2,
                "AI-enhanced output of acquired series " + sourceUid + " (series " + String.join(", ", names) + ") "
                        + what,
                SeriesEnhancement.SOFTWARE,
                out);
        return new SpooledInstance(
                DicomHeaders.readAndCheck(out), out, out.toFile().length(), "SRI_NODE");
    }

    private static void log(String sourceUid, int generation, String replacedBy, List<DerivedSeries.Superseded> done) {
        for (DerivedSeries.Superseded w : done) {
            SeriesInfo s = w.series();
            LOG.infof(
                    "series %s generation %d: derived series %s (%s) superseded by %s%s",
                    Uids.shortTag(sourceUid),
                    generation,
                    Uids.shortTag(s.seriesUid()),
                    s.modality(),
                    replacedBy.matches("[0-9.]+") ? Uids.shortTag(replacedBy) : replacedBy,
                    w.delivered().isEmpty()
                            ? ", it never left the node"
                            : ", " + w.delivered().size() + " instance(s) rejected at the destination");
        }
    }
}
