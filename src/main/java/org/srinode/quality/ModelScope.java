package org.srinode.quality;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.srinode.dicom.AcquisitionHeader;

/**
 * What a model card says the model is for (anatomy, contrasts, largest acquired pixel spacing), and
 * the check of a series against it. Contrast comes from the series' words (description, protocol,
 * sequence name) or, failing those, from TR/TE/TI.
 *
 * @param anatomy            Body Part Examined values in scope ("" admits series that do not say)
 * @param contrasts          contrasts in scope: T1, T2, PD, FLAIR, DWI, SWI, PERFUSION, UNKNOWN
 * @param maxPixelSpacingMm  largest acquired pixel spacing in scope, or null for any
 */
public record ModelScope(List<String> anatomy, List<String> contrasts, Double maxPixelSpacingMm) {

    /** Why the series is outside the model's scope, in words; empty when it is inside. */
    public Optional<String> outside(AcquisitionHeader a, Assessment assessment) {
        String part = a.bodyPart() == null ? "" : a.bodyPart().trim().toUpperCase(Locale.ROOT);
        if (!anatomy.contains(part)) {
            return Optional.of(
                    "anatomy " + (part.isEmpty() ? "not stated" : part) + " is outside the model's scope " + anatomy);
        }
        String contrast = contrast(a);
        if (!contrasts.contains(contrast)) {
            return Optional.of("contrast " + contrast + " is outside the model's scope " + contrasts);
        }
        Double spacing = assessment == null || assessment.measured() == null
                ? null
                : assessment.measured().pixelSpacingMm();
        if (maxPixelSpacingMm != null && spacing != null && spacing > maxPixelSpacingMm) {
            return Optional.of(String.format(
                    Locale.ROOT,
                    "pixel spacing %.2f mm is coarser than the model's scope (up to %.1f mm)",
                    spacing,
                    maxPixelSpacingMm));
        }
        return Optional.empty();
    }

    /** T1, T2, PD, FLAIR, DWI, SWI, PERFUSION or UNKNOWN. */
    public static String contrast(AcquisitionHeader a) {
        String w = " " + (a.words() == null ? "" : a.words().toUpperCase(Locale.ROOT)).replaceAll("[^A-Z0-9*]+", " ")
                + " ";
        if (w.matches(".* (DWI|DTI|DIFFUSION|ADC|TRACE|EP2D DIFF|RESOLVE) .*")) {
            return "DWI";
        }
        if (w.matches(".* (PERF|PWI|ASL|PCASL|DSC|DCE) .*")) {
            return "PERFUSION";
        }
        if (w.matches(".* (SWI|SWAN|T2\\*|T2STAR|GRE T2) .*")) {
            return "SWI";
        }
        if (w.matches(".* (FLAIR|DARK FLUID|TIRM) .*")) {
            return "FLAIR";
        }
        if (w.matches(".* (T1|T1W|MPRAGE|MP RAGE|SPGR|FSPGR|BRAVO|TFE|T1 FFE|VIBE) .*")) {
            return "T1";
        }
        if (w.matches(".* (T2|T2W|TSE T2|FSE T2) .*")) {
            return "T2";
        }
        if (w.matches(".* (PD|PDW|PD W|PROTON DENSITY) .*")) {
            return "PD";
        }
        Double tr = a.repetitionMs();
        Double te = a.echoMs();
        if (tr == null || te == null) {
            return "UNKNOWN";
        }
        if (a.inversionMs() != null && a.inversionMs() > 1500 && te > 60) {
            return "FLAIR";
        }
        if (tr < 1000 && te < 30) {
            return "T1";
        }
        if (tr >= 2000 && te >= 60) {
            return "T2";
        }
        if (tr >= 2000 && te < 30) {
            return "PD";
        }
        return "UNKNOWN";
    }
}
