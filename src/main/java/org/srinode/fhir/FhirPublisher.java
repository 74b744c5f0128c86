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
        this.version = version;
        this.patientSystem = patientSystem;
        this.validate = validate;
        FhirContext ctx = version.context();
        ctx.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        ctx.getRestfulClientFactory().setConnectTimeout(timeoutMs);
        ctx.getRestfulClientFactory().setSocketTimeout(timeoutMs);
        this.client = ctx.newRestfulGenericClient(baseUrl);
    }

    /**
     * Authenticates every request to the FHIR server: a bearer token when given, else HTTP Basic when a
     * user name is given (HAPI's client interceptors); nothing when both are empty.
     *
     * @return this publisher
     */
    public FhirPublisher authenticate(java.util.Optional<String> username, java.util.Optional<String> password,
                                      java.util.Optional<String> bearerToken) {
        if (bearerToken.filter(t -> !t.isBlank()).isPresent()) {
            client.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor(bearerToken.get()));
        } else if (username.filter(u -> !u.isBlank()).isPresent()) {
            client.registerInterceptor(new ca.uhn.fhir.rest.client.interceptor.BasicAuthInterceptor(username.get(), password.orElse("")));
        }
        return this;
    }

    /**
     * What a publication created or updated on the server.
     *
     * @param imagingStudy  ImagingStudy/{id} as the server named it
     * @param locations     the location of every entry the server answered
     */
    public record Published(String imagingStudy, List<String> locations) {
    }

    /** Builds the transaction bundle in the configured version (what would be sent). */
    public IBaseBundle bundle(Publication p, ImagingStudy existing) {
        return (IBaseBundle) version.fromR4(R4Bundle.build(p, existing, patientSystem));
    }

    public Published publish(Publication p) {
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
        List<String> locations = r4.getEntry().stream().map(e -> e.getResponse().getLocation()).toList();
        String study = locations.stream().filter(l -> l != null && l.startsWith("ImagingStudy/")).findFirst()
                .map(l -> l.replaceAll("/_history/.*$", "")).orElse(null);
        return new Published(study, locations);
    }

    private ImagingStudy existingStudy(String studyUid) {
        Class<? extends IBaseBundle> type = version == FhirVersion.R4 ? Bundle.class : org.hl7.fhir.r5.model.Bundle.class;
        IBaseBundle found = client.search().forResource("ImagingStudy")
                .where(new TokenClientParam("identifier").exactly().systemAndCode(R4Bundle.DICOM_UID_SYSTEM, R4Bundle.studyIdentifier(studyUid)))
                .returnBundle(type).execute();
        List<IBaseResource> studies = BundleUtil.toListOfResources(version.context(), found);
        return studies.isEmpty() ? null : (ImagingStudy) version.toR4(studies.get(0));
    }
}
