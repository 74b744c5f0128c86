package org.srinode.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.camel.Exchange;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.dicom.LogText;
import org.srinode.dicom.StudyHeader;
import org.srinode.dicom.Uids;
import org.srinode.fhir.FhirPublisher;
import org.srinode.fhir.FhirSettings;
import org.srinode.fhir.Publication;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobExchange;
import org.srinode.jobs.JobQueue;
import org.srinode.quality.Assessment;
import org.srinode.series.Outcome;
import org.srinode.series.SeriesAssembler;
import org.srinode.series.SeriesInfo;
import org.srinode.series.SeriesRecords;

/**
 * FHIR publishing of a derived series (PUBLISH jobs): gathers the study, both series, the model and
 * the findings, and hands them to the FHIR publisher. Its own jobs and retries: a FHIR server that is
 * down or refuses never holds back the DICOM path.
 */
@ApplicationScoped
@Named("publishStage")
public class PublishStage {
    private static final Logger LOG = Logger.getLogger(PublishStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobQueue jobs;
    private final SeriesRecords series;
    private final FhirSettings settings;
    private final SafetySettings safety;
    private final FhirPublisher publisher;
    private final String baseUrl;
    /** Publishing on and somewhere to publish to. */
    private final boolean enabled;

    @Inject
    public PublishStage(
            JobQueue jobs,
            SeriesRecords series,
            FhirSettings settings,
            SafetySettings safety,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.jobs = jobs;
        this.series = series;
        this.settings = settings;
        this.safety = safety;
        this.baseUrl = settings.serverUrl().filter(s -> !s.isBlank()).orElse("http://localhost:" + httpPort + "/fhir");
        this.publisher = new FhirPublisher(
                        baseUrl,
                        settings.version(),
                        settings.patientIdentifierSystem(),
                        settings.validate(),
                        (int) settings.timeout().toMillis(),
                        tls(settings))
                .authenticate(settings.username(), settings.password(), settings.bearerToken())
                .publicationTimeout(settings.publicationTimeout());
        this.enabled = settings.enabled()
                && (settings.serverUrl().filter(s -> !s.isBlank()).isPresent() || settings.sandbox());
        if (enabled
                && settings.sandbox()
                && settings.serverUrl().filter(s -> !s.isBlank()).isEmpty()
                && !Boolean.parseBoolean(System.getProperty("sri.http.insecure", "true"))) {
            LOG.warn("the FHIR sandbox is on but plain HTTP is off: the node cannot publish into its own sandbox at "
                    + baseUrl + "; set SRI_HTTP_INSECURE=true (the demo does), or SRI_FHIR_SERVER_URL");
        }
        if (settings.enabled() && !enabled) {
            LOG.info("FHIR publishing is off: no sri.fhir.server-url (SRI_FHIR_SERVER_URL) and the sandbox is off");
        }
    }

    /**
     * The SSL context of the connections to the FHIR server when a client certificate or trusted certificates are
     * configured (SRI_FHIR_TLS_CERT and SRI_FHIR_TLS_KEY, SRI_FHIR_TLS_CA); null otherwise. Unreadable or mismatched
     * files stop the start-up with a message naming them.
     */
    static javax.net.ssl.SSLContext tls(FhirSettings settings) {
        java.util.Optional<String> cert = settings.tlsCert().filter(v -> !v.isBlank());
        java.util.Optional<String> key = settings.tlsKey().filter(v -> !v.isBlank());
        java.util.Optional<String> ca = settings.tlsCa().filter(v -> !v.isBlank());
        if (cert.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException(
                    "SRI_FHIR_TLS_CERT and SRI_FHIR_TLS_KEY go together (a client certificate and its key)");
        }
        if (cert.isEmpty() && ca.isEmpty()) {
            return null;
        }
        try {
            return org.srinode.tls.TlsProfile.sslContext(
                    cert.map(java.nio.file.Path::of).orElse(null),
                    key.map(java.nio.file.Path::of).orElse(null),
                    ca.map(java.nio.file.Path::of).orElse(null));
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "FHIR client TLS (SRI_FHIR_TLS_CERT, SRI_FHIR_TLS_KEY, SRI_FHIR_TLS_CA): " + e.getMessage(), e);
        }
    }

    /** The validator loads the specification for seconds: do it in the background at start-up, not in the first publication. */
    void warmUp(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent event) {
        if (enabled && settings.validate()) {
            Thread t = new Thread(
                    () -> org.srinode.fhir.Validation.errors(
                            settings.version(), settings.version().fromR4(new org.hl7.fhir.r4.model.Patient())),
                    "fhir-validator-warm-up");
            t.setDaemon(true);
            t.start();
        }
    }

    /** The FHIR server's base URL this node publishes to. */
    public String baseUrl() {
        return baseUrl;
    }

    public List<Job> claimDue() throws InterruptedException {
        return jobs.claimDueOrWait(
                SeriesAssembler.PUBLISH,
                2,
                SeriesAssembler.ONE_PUBLICATION_PER_STUDY,
                JobQueue.HAND_OFF_WAIT,
                settings.retry().maxAttempts());
    }

    public void publish(Exchange exchange) throws Exception {
        Job job = JobExchange.bind(exchange);
        if (!enabled) {
            jobs.succeeded(job.id());
            return;
        }
        long t0 = System.nanoTime();
        SeriesInfo derived = series.find(job.seriesUid()).orElseThrow();
        if (derived.derivedFrom() == null) {
            withdraw(job, derived, t0);
            return;
        }
        if (derived.supersededBy() != null) {
            // a later generation replaced it before it was published: its own publication says everything
            jobs.succeeded(job.id());
            LOG.infof(
                    "series %s: not published, superseded by %s",
                    Uids.shortTag(derived.seriesUid()), derived.supersededBy());
            return;
        }
        SeriesInfo source = series.find(derived.derivedFrom())
                .orElseThrow(() -> new IllegalStateException(
                        "the source series of " + job.seriesUid() + " is not in the database"));
        List<StudyHeader> derivedHeaders = headers(derived.seriesUid());
        List<StudyHeader> sourceHeaders = headers(source.seriesUid());
        StudyHeader first = sourceHeaders.get(0);
        Assessment assessment =
                source.assessment() == null ? null : JSON.readValue(source.assessment(), Assessment.class);
        String model = derived.model() == null ? "unknown unknown" : derived.model();
        int space = model.lastIndexOf(' ');
        Publication p = new Publication(
                patientOf(first),
                studyOf(first),
                seriesOf(sourceHeaders),
                seriesOf(derivedHeaders),
                new Publication.Model(
                        model.substring(0, space),
                        model.substring(space + 1),
                        "sri-node project",
                        EnhanceStage.VERSION),
                assessment,
                source.consistency(),
                safety.maxInconsistency(),
                (source.outcome() == null ? Outcome.ENHANCED : source.outcome()).name(),
                derived.completedAt() == null ? Instant.now() : derived.completedAt(),
                series.derivedOf(source.seriesUid()).stream()
                        .filter(d -> d.supersededBy() != null)
                        .map(SeriesInfo::seriesUid)
                        .toList());
        FhirPublisher.Published done = publisher.publish(p);
        series.recordFhir(derived.seriesUid(), done.imagingStudy());
        series.recordFhir(source.seriesUid(), done.imagingStudy());
        jobs.succeeded(job.id());
        series.recordStageTime(source.seriesUid(), "PUBLISH", (System.nanoTime() - t0) / 1_000_000);
        LOG.infof(
                "series %s: published to FHIR (%s, %d resources)",
                Uids.shortTag(derived.seriesUid()),
                done.imagingStudy(),
                done.locations().size());
    }

    private static Publication.Patient patientOf(StudyHeader h) {
        return new Publication.Patient(
                h.patientId(), h.issuerOfPatientId(), h.patientName(), h.patientBirthDate(), h.patientSex());
    }

    private static Publication.Study studyOf(StudyHeader h) {
        return new Publication.Study(
                h.studyUid(), h.studyDate(), h.studyTime(), h.studyDescription(), h.accessionNumber());
    }

    /**
     * A withdrawal publication (a PUBLISH job of an acquired series, queued by a supersession that no new derived series
     * replaces): the ImagingStudy lists the source as it is now and none of its withdrawn derived series, whose
     * findings and Provenance are deleted.
     */
    private void withdraw(Job job, SeriesInfo source, long t0) throws Exception {
        List<String> withdrawn = series.derivedOf(source.seriesUid()).stream()
                .filter(d -> d.supersededBy() != null)
                .filter(d -> !"KO".equals(d.modality()))
                .map(SeriesInfo::seriesUid)
                .toList();
        List<StudyHeader> sourceHeaders = headers(source.seriesUid());
        StudyHeader first = sourceHeaders.get(0);
        Publication p = Publication.withdrawal(
                patientOf(first), studyOf(first), seriesOf(sourceHeaders), Instant.now(), withdrawn);
        FhirPublisher.Published done = publisher.publish(p);
        series.recordFhir(source.seriesUid(), done.imagingStudy());
        jobs.succeeded(job.id());
        series.recordStageTime(source.seriesUid(), "PUBLISH", (System.nanoTime() - t0) / 1_000_000);
        LOG.infof(
                "series %s generation %d: withdrawal published to FHIR (%s no longer lists %d derived series)",
                Uids.shortTag(source.seriesUid()), job.generation(), done.imagingStudy(), withdrawn.size());
    }

    public void failed(Exchange exchange) {
        Job job = JobExchange.of(exchange);
        Job now = jobs.failed(job.id(), JobExchange.failure(exchange), settings.retry());
        LOG.warnf(
                now.attempts() == 1 ? exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class) : null,
                "series %s: FHIR publication to %s, attempt %d of %d failed: %s",
                Uids.shortTag(job.seriesUid()),
                baseUrl,
                now.attempts(),
                settings.retry().maxAttempts(),
                LogText.escape(JobExchange.failure(exchange)));
    }

    private List<StudyHeader> headers(String seriesUid) throws Exception {
        List<StudyHeader> all = new ArrayList<>();
        for (Path f : series.files(seriesUid)) {
            all.add(StudyHeader.read(f));
        }
        if (all.isEmpty()) {
            throw new IllegalStateException("series " + seriesUid + " has no files in the spool");
        }
        all.sort(Comparator.comparing(
                        (StudyHeader h) -> h.instanceNumber() == null ? Integer.MAX_VALUE : h.instanceNumber())
                .thenComparing(StudyHeader::sopInstanceUid));
        return all;
    }

    private static Publication.Series seriesOf(List<StudyHeader> headers) {
        StudyHeader h = headers.get(0);
        return new Publication.Series(
                h.seriesUid(),
                h.seriesNumber(),
                h.modality(),
                h.seriesDescription(),
                headers.stream()
                        .map(x -> new Publication.Instance(x.sopInstanceUid(), x.sopClassUid(), x.instanceNumber()))
                        .toList());
    }
}
