package org.srinode.fhir;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.time.Duration;
import java.util.Optional;

/** FHIR publishing of enhanced series and the embedded FHIR sandbox ({@code sri.fhir.*}). */
@ConfigMapping(prefix = "sri.fhir")
public interface FhirSettings {

    /** Publish ImagingStudy, Provenance, Device and Observations for every derived series. */
    @WithDefault("true")
    boolean enabled();

    /** Base URL of the FHIR server; empty: the node's own sandbox at http://localhost:{http port}/fhir when it is on, else no publishing. */
    Optional<String> serverUrl();

    /** FHIR version spoken to the server and by the sandbox: R4 or R5. */
    @WithDefault("R4")
    FhirVersion version();

    /** Serve the in-memory FHIR sandbox at /fhir (for demos and tests; its content is lost on restart; it needs a login). */
    @WithDefault("false")
    boolean sandbox();

    /** HTTP Basic user name for the FHIR server (empty: no Basic authentication). */
    Optional<String> username();

    /** HTTP Basic password for the FHIR server. */
    Optional<String> password();

    /** Bearer token for the FHIR server (takes precedence over Basic). */
    Optional<String> bearerToken();

    /**
     * PEM client certificate shown to the FHIR server over HTTPS (TLS client authentication, with {@link #tlsKey()});
     * empty: none.
     */
    Optional<String> tlsCert();

    /** PEM private key of {@link #tlsCert()}. */
    Optional<String> tlsKey();

    /** PEM certificates trusted to sign the FHIR server's certificate; empty: the JDK's default trust store. */
    Optional<String> tlsCa();

    /** Identifier system of the DICOM Patient ID (0010,0020) at this site (the EHR's MRN system). */
    @WithDefault("http://sri-node.org/fhir/NamingSystem/dicom-patient-id")
    String patientIdentifierSystem();

    /** Validate every bundle against the base specification (offline) before it is sent. */
    @WithDefault("true")
    boolean validate();

    /**
     * Retries of a publication ({@code sri.fhir.max-attempts}, {@code initial-backoff}, {@code max-backoff}; defaults 8, 5s, 10m);
     * after the last it is DEAD with its reason (the DICOM path is never affected).
     */
    @WithParentName
    org.srinode.jobs.RetryPolicy retry();

    /** Connect and read timeout of each request ({@code SRI_FHIR_TIMEOUT}): a connect, and each single read. */
    @WithDefault("30s")
    Duration timeout();

    /**
     * How long one whole publication may take ({@code SRI_FHIR_PUBLICATION_TIMEOUT}; default 2 minutes): the search and
     * the transaction with every byte of their answers; then the request under way is aborted and the job retried
     * (see {@link FhirPublisher#publicationTimeout}).
     */
    @WithDefault("2m")
    Duration publicationTimeout();
}
