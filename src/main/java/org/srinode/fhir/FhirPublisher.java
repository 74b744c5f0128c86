package org.srinode.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.util.BundleUtil;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.ImagingStudy;

/**
 * Sends the annotations of one enhanced series to a FHIR server as one transaction: reads the
 * server's ImagingStudy for the study (so that series the node does not know are kept), builds the
 * bundle, validates it, posts it. Safe to repeat: every write is a conditional or id-based update.
 */
public final class FhirPublisher {
    private final FhirVersion version;
    private final String patientSystem;
    private final boolean validate;
    private final IGenericClient client;

    public FhirPublisher(String baseUrl, FhirVersion version, String patientSystem, boolean validate, int timeoutMs) {
        this(baseUrl, version, patientSystem, validate, timeoutMs, null);
    }

    /** Default of {@link #publicationTimeout}: 2 minutes for the whole publication. */
    public static final java.time.Duration DEFAULT_PUBLICATION_TIMEOUT = java.time.Duration.ofMinutes(2);

    private static final java.util.concurrent.ScheduledExecutorService DEADLINES =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "fhir-publication-deadline");
                t.setDaemon(true);
                return t;
            });

    private final ThreadLocal<Deadline> deadline = new ThreadLocal<>();
    private volatile long publicationTimeoutMs = DEFAULT_PUBLICATION_TIMEOUT.toMillis();

    /**
     * A publisher whose HTTPS connections use {@code tls} (its key material is the client certificate for TLS client
     * authentication; its trust decides which servers are believed) with the node's TLS profile (TLS 1.3/1.2, BCP 195
     * suites) and the host name checked against the server's certificate; null: the JDK's defaults.
     *
     * @param timeoutMs connect and read timeout of each request, in ms
     */
    public FhirPublisher(
            String baseUrl,
            FhirVersion version,
            String patientSystem,
            boolean validate,
            int timeoutMs,
            javax.net.ssl.SSLContext tls) {
        this.version = version;
        this.patientSystem = patientSystem;
        this.validate = validate;
        // a context and factory of this publisher's own: HAPI's requests take their HTTP client from the context's
        // factory,
        // and the cached context is shared by everything in the process
        FhirContext ctx = version.newContext();
        ca.uhn.fhir.rest.client.apache.ApacheRestfulClientFactory factory =
                new ca.uhn.fhir.rest.client.apache.ApacheRestfulClientFactory(ctx);
        ctx.setRestfulClientFactory(factory);
        factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
        factory.setConnectTimeout(timeoutMs);
        factory.setSocketTimeout(timeoutMs);
        if (tls != null) {
            org.apache.http.conn.ssl.SSLConnectionSocketFactory sockets =
                    new org.apache.http.conn.ssl.SSLConnectionSocketFactory(
                            tls,
                            org.srinode.tls.TlsProfile.PROTOCOLS.toArray(String[]::new),
                            org.srinode.tls.TlsProfile.supported(
                                    org.srinode.tls.TlsProfile.CIPHER_SUITES,
                                    tls.getSupportedSSLParameters().getCipherSuites()),
                            org.apache.http.conn.ssl.SSLConnectionSocketFactory.getDefaultHostnameVerifier());
            org.apache.http.client.config.RequestConfig timeouts = org.apache.http.client.config.RequestConfig.custom()
                    .setConnectTimeout(timeoutMs)
                    .setSocketTimeout(timeoutMs)
                    .setConnectionRequestTimeout(timeoutMs)
                    .build();
            factory.setHttpClient(org.apache.http.impl.client.HttpClients.custom()
                    .setSSLSocketFactory(sockets)
                    .setDefaultRequestConfig(timeouts)
                    .useSystemProperties()
                    .build());
        }
        this.client = factory.newGenericClient(baseUrl);
        this.baseUrl = baseUrl;
        client.registerInterceptor(new ca.uhn.fhir.rest.client.api.IClientInterceptor() {
            @Override
            public void interceptRequest(ca.uhn.fhir.rest.client.api.IHttpRequest request) {
                Deadline d = deadline.get();
                if (d != null && request instanceof ca.uhn.fhir.rest.client.apache.ApacheHttpRequest apache) {
                    d.inFlight(apache.getApacheRequest());
                }
            }

            @Override
            public void interceptResponse(ca.uhn.fhir.rest.client.api.IHttpResponse response) {
                // the body is read after this: the request stays abortable until publish() returns
            }
        });
    }

    private final String baseUrl;

    /**
     * Sets how long one whole publication may take ({@code SRI_FHIR_PUBLICATION_TIMEOUT}): the search for the study's
     * ImagingStudy and the transaction, every byte of both answers. The per-request timeout bounds a connect and each
     * single read only, so a server that trickles its answer (a byte every few seconds) would otherwise hold the
     * publication, and the publish route behind it, for ever. At the deadline the request under way is aborted (its
     * connection closed) and {@link #publish} fails with a {@link PublicationTimeoutException}; the job is retried.
     *
     * @param timeout positive
     * @return this publisher
     * @throws IllegalArgumentException when not positive
     */
    public FhirPublisher publicationTimeout(java.time.Duration timeout) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("the FHIR publication timeout must be positive, not " + timeout);
        }
        this.publicationTimeoutMs = timeout.toMillis();
        return this;
    }

    /** A publication that did not complete within {@link #publicationTimeout}; its request under way was aborted. */
    public static final class PublicationTimeoutException extends RuntimeException {
        PublicationTimeoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The deadline of one publication: the request under way when it passes is aborted (HttpClient's
     * {@code HttpRequestBase.abort} closes its connection, which ends a blocked read), and a request started after it
     * is aborted at once.
     */
    private static final class Deadline {
        private org.apache.http.client.methods.HttpRequestBase current;
        private boolean expired;

        synchronized void inFlight(org.apache.http.client.methods.HttpRequestBase request) {
            current = request;
            if (expired) {
                request.abort();
            }
        }

        synchronized void expire() {
            expired = true;
            if (current != null) {
                current.abort();
            }
        }

        synchronized boolean expired() {
            return expired;
        }
    }

    /**
     * Authenticates every request to the FHIR server: a bearer token when given, else HTTP Basic when a
     * user name is given (HAPI's client interceptors); nothing when both are empty.
     *
     * @return this publisher
     */
    public FhirPublisher authenticate(
            java.util.Optional<String> username,
            java.util.Optional<String> password,
            java.util.Optional<String> bearerToken) {
        if (bearerToken.filter(t -> !t.isBlank()).isPresent()) {
            client.registerInterceptor(
                    new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(bearerToken.get()));
        } else if (username.filter(u -> !u.isBlank()).isPresent()) {
            client.registerInterceptor(
                    new ca.uhn.fhir.rest.client.interceptor.BasicAuthInterceptor(username.get(), password.orElse("")));
        }
        return this;
    }

    /**
     * What a publication created or updated on the server.
     *
     * @param imagingStudy  ImagingStudy/{id} as the server named it
     * @param locations     the location of every entry the server answered
     */
    public record Published(String imagingStudy, List<String> locations) {}

    /** Builds the transaction bundle in the configured version (what would be sent). */
    public IBaseBundle bundle(Publication p, ImagingStudy existing) {
        return (IBaseBundle) version.fromR4(R4Bundle.build(p, existing, patientSystem));
    }

    /**
     * Publishes {@code p}: reads the server's ImagingStudy of the study, builds and (when configured) validates the
     * bundle, posts it as one transaction, all within the publication timeout ({@link #publicationTimeout}).
     *
     * @return what the server created or updated
     * @throws PublicationTimeoutException the publication took longer than the publication timeout
     * @throws IllegalStateException the bundle does not validate
     * @throws ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException the server cannot be reached or its
     *     connection broke
     * @throws ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException the server answered with an HTTP error
     */
    public Published publish(Publication p) {
        Deadline d = new Deadline();
        long limit = publicationTimeoutMs;
        java.util.concurrent.ScheduledFuture<?> timer =
                DEADLINES.schedule(d::expire, limit, java.util.concurrent.TimeUnit.MILLISECONDS);
        deadline.set(d);
        try {
            return publishWithin(p);
        } catch (RuntimeException e) {
            if (d.expired()) {
                throw new PublicationTimeoutException(
                        "the FHIR server at " + baseUrl + " did not complete the publication within " + limit
                                + " ms (SRI_FHIR_PUBLICATION_TIMEOUT); the request under way was aborted",
                        e);
            }
            throw e;
        } finally {
            timer.cancel(false);
            deadline.remove();
        }
    }

    private Published publishWithin(Publication p) {
        ImagingStudy existing = existingStudy(p.study().uid());
        IBaseBundle bundle = bundle(p, existing);
        if (validate) {
            List<String> errors = Validation.errors(version, bundle);
            if (!errors.isEmpty()) {
                throw new IllegalStateException("the FHIR bundle does not validate: " + String.join("; ", errors));
            }
        }
        IBaseBundle response = client.transaction().withBundle(bundle).execute();
        Bundle r4 = (Bundle) version.toR4(response);
        List<String> locations =
                r4.getEntry().stream().map(e -> e.getResponse().getLocation()).toList();
        String study = locations.stream()
                .filter(l -> l != null && l.startsWith("ImagingStudy/"))
                .findFirst()
                .map(l -> l.replaceAll("/_history/.*$", ""))
                .orElse(null);
        return new Published(study, locations);
    }

    private ImagingStudy existingStudy(String studyUid) {
        Class<? extends IBaseBundle> type =
                version == FhirVersion.R4 ? Bundle.class : org.hl7.fhir.r5.model.Bundle.class;
        IBaseBundle found = client.search()
                .forResource("ImagingStudy")
                .where(new TokenClientParam("identifier")
                        .exactly()
                        .systemAndCode(R4Bundle.DICOM_UID_SYSTEM, R4Bundle.studyIdentifier(studyUid)))
                .returnBundle(type)
                .execute();
        List<IBaseResource> studies = BundleUtil.toListOfResources(version.context(), found);
        return studies.isEmpty() ? null : (ImagingStudy) version.toR4(studies.get(0));
    }
}
