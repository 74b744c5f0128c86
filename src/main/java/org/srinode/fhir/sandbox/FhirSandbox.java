package org.srinode.fhir.sandbox;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.util.List;

/**
 * A real HAPI FHIR server with in-memory storage: the node's sandbox at /fhir for demos (see
 * {@link SandboxServlet}) and the server the tests start. Serves read, create, update, search and
 * transactions of the resources the node publishes, plus Patient.
 */
public class FhirSandbox extends RestfulServer {
    public static final List<String> TYPES = List.of("Patient", "ImagingStudy", "Provenance", "Device", "Observation");
    private static final long serialVersionUID = 1L;

    private transient SandboxStore store;

    public FhirSandbox(FhirContext ctx) {
        super(ctx);
    }

    /** The resources held: tests and the web page read them directly. */
    public SandboxStore store() {
        return store;
    }

    @Override
    protected void initialize() {
        store = new SandboxStore(getFhirContext());
        for (String type : TYPES) {
            registerProvider(new StoreProvider(store, type));
        }
        registerProvider(new TransactionProvider(store));
        setDefaultResponseEncoding(EncodingEnum.JSON);
        setDefaultPrettyPrint(true);
    }
}
