package org.srinode.fhir;

import java.time.Instant;
import java.util.List;
import org.srinode.quality.Assessment;

/**
 * What the node tells the EHR about one enhanced series, independent of the FHIR version: the
 * patient and study as the DICOM headers name them, the source series, the derived series, the
 * model that made it, the findings of the assessment and the data-consistency check.
 *
 * @param patient      patient as in the DICOM headers
 * @param study        the study both series belong to
 * @param source       the acquired series
 * @param derived      the AI-enhanced series written by the node; null in a withdrawal ({@link #withdrawal})
 * @param model        the model (a FHIR Device); null in a withdrawal
 * @param assessment   the source series' assessment, or null when none was stored
 * @param consistency  data-consistency score of the enhancement (lower is better), or null
 * @param maxConsistency the configured limit for the score
 * @param outcome      ENHANCED, FLAGGED or HELD
 * @param processedAt  when the derived series was made
 * @param withdrawn    derived Series Instance UIDs of earlier generations of the source that this one superseded: the
 *                     ImagingStudy no longer lists them and their findings are deleted (empty for a first publication)
 */
public record Publication(
        Patient patient,
        Study study,
        Series source,
        Series derived,
        Model model,
        Assessment assessment,
        Double consistency,
        double maxConsistency,
        String outcome,
        Instant processedAt,
        List<String> withdrawn) {

    /**
     * A publication that only withdraws: the source changed (a later generation) and was not enhanced again, so the
     * ImagingStudy lists the source as it is now and none of {@code withdrawn}, whose findings and Provenance are
     * deleted; no Device, Provenance or finding is written.
     */
    public static Publication withdrawal(
            Patient patient, Study study, Series source, Instant at, List<String> withdrawn) {
        return new Publication(patient, study, source, null, null, null, null, 0, "WITHDRAWN", at, withdrawn);
    }

    /** True for a {@link #withdrawal}. */
    public boolean withdrawalOnly() {
        return derived == null;
    }

    public record Patient(String id, String issuer, String name, String birthDate, String sex) {}

    public record Study(String uid, String date, String time, String description, String accession) {}

    public record Series(String uid, Integer number, String modality, String description, List<Instance> instances) {}

    public record Instance(String uid, String sopClassUid, Integer number) {}

    /**
     * @param name         model name (config.json)
     * @param version      model version
     * @param manufacturer who made the software
     * @param software     the node's own name and version
     */
    public record Model(String name, String version, String manufacturer, String software) {}

    public boolean consistencyExceeded() {
        return consistency != null && consistency > maxConsistency;
    }
}
