package org.srinode.fhir;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.convertors.factory.VersionConvertorFactory_40_50;
import org.hl7.fhir.instance.model.api.IBaseResource;

/** The FHIR versions the node speaks. Resources are built in R4 and converted on the way out for R5. */
public enum FhirVersion {
    R4,
    R5;

    public FhirContext context() {
        return this == R4 ? FhirContext.forR4Cached() : FhirContext.forR5Cached();
    }

    /**
     * A context of this version of its own, for a REST client whose settings (timeouts, TLS) must not leak into the
     * shared cached one: HAPI's clients take their HTTP client from their context's factory on every request.
     */
    public FhirContext newContext() {
        return this == R4 ? FhirContext.forR4() : FhirContext.forR5();
    }

    /** An R4 resource in this version. */
    public IBaseResource fromR4(org.hl7.fhir.r4.model.Resource r) {
        return this == R4 ? r : VersionConvertorFactory_40_50.convertResource(r);
    }

    /** A resource of this version as R4. */
    public org.hl7.fhir.r4.model.Resource toR4(IBaseResource r) {
        return this == R4
                ? (org.hl7.fhir.r4.model.Resource) r
                : VersionConvertorFactory_40_50.convertResource((org.hl7.fhir.r5.model.Resource) r);
    }
}
