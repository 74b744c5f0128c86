package org.srinode.fhir.sandbox;

import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.util.FhirTerser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Transactions in the sandbox, all or nothing: PUT Type/id, conditional PUT Type?search, POST (with
 * ifNoneExist: conditional create), DELETE Type/id (204 whether or not it existed, as HAPI FHIR's JPA
 * server answers); references to other entries' fullUrl (urn:uuid:...) are
 * rewritten to the ids the entries got.
 */
public final class TransactionProvider {
    private final SandboxStore store;
    private final FhirTerser terser;

    public TransactionProvider(SandboxStore store) {
        this.store = store;
        this.terser = store.context().newTerser();
    }

    private record Planned(IBase entry, IBaseResource resource, String type, String id, boolean write, int status) {
        boolean delete() {
            return resource == null;
        }
    }

    @Transaction
    public IBaseBundle transaction(@TransactionParam IBaseBundle bundle) {
        synchronized (store) {
            List<Planned> plan = new ArrayList<>();
            Map<String, String> resolved = new HashMap<>();
            for (IBase entry : terser.getValues(bundle, "entry")) {
                Planned p = plan(entry);
                plan.add(p);
                String fullUrl = terser.getSinglePrimitiveValueOrNull(entry, "fullUrl");
                if (fullUrl != null) {
                    resolved.put(fullUrl, p.type() + "/" + p.id());
                }
            }
            for (Planned p : plan) {
                if (p.delete()) {
                    continue;
                }
                for (IBaseReference ref :
                        terser.getAllPopulatedChildElementsOfType(p.resource(), IBaseReference.class)) {
                    String to = ref.getReferenceElement().getValue();
                    if (to != null && resolved.containsKey(to)) {
                        ref.setReference(resolved.get(to));
                    }
                }
            }
            IBaseBundle response = (IBaseBundle)
                    store.context().getResourceDefinition("Bundle").newInstance();
            terser.setElement(response, "type", "transaction-response");
            for (Planned p : plan) {
                if (p.delete()) {
                    store.delete(p.type(), p.id());
                    terser.setElement(terser.addElement(response, "entry"), "response.status", "204 No Content");
                    continue;
                }
                int status = p.status();
                if (p.write()) {
                    status = store.put(p.type(), p.id(), p.resource()) ? 201 : 200;
                }
                IBase e = terser.addElement(response, "entry");
                IBaseResource stored = store.read(p.type(), p.id()).orElseThrow();
                terser.setElement(e, "response.status", status + (status == 201 ? " Created" : " OK"));
                terser.setElement(e, "response.location", stored.getIdElement().getValue());
            }
            return response;
        }
    }

    private Planned plan(IBase entry) {
        IBaseResource resource = terser.getSingleValueOrNull(entry, "resource", IBaseResource.class);
        String method = terser.getSinglePrimitiveValueOrNull(entry, "request.method");
        String url = terser.getSinglePrimitiveValueOrNull(entry, "request.url");
        if ("DELETE".equals(method) && url != null) {
            String[] typeAndId = url.split("/");
            if (typeAndId.length != 2
                    || url.contains("?")
                    || store.context().getResourceTypes().stream().noneMatch(typeAndId[0]::equals)) {
                throw new InvalidRequestException("the sandbox deletes by Type/id only, not " + url);
            }
            return new Planned(entry, null, typeAndId[0], typeAndId[1], false, 204);
        }
        if (resource == null || method == null || url == null) {
            throw new InvalidRequestException(
                    "the sandbox takes transaction entries with a resource, request.method and request.url");
        }
        String type = store.context().getResourceType(resource);
        if (method.equals("PUT")) {
            int q = url.indexOf('?');
            if (q < 0) {
                return new Planned(entry, resource, type, url.substring(url.indexOf('/') + 1), true, 0);
            }
            List<IBaseResource> hits = store.search(type, SandboxStore.parseQuery(url.substring(q + 1)));
            if (hits.size() > 1) {
                throw new PreconditionFailedException(
                        "conditional update " + url + " matches " + hits.size() + " resources");
            }
            return new Planned(
                    entry,
                    resource,
                    type,
                    hits.isEmpty() ? store.newId() : hits.get(0).getIdElement().getIdPart(),
                    true,
                    0);
        }
        if (method.equals("POST")) {
            String ifNoneExist = terser.getSinglePrimitiveValueOrNull(entry, "request.ifNoneExist");
            if (ifNoneExist != null) {
                List<IBaseResource> hits = store.search(
                        type, SandboxStore.parseQuery(ifNoneExist.substring(ifNoneExist.indexOf('?') + 1)));
                if (hits.size() > 1) {
                    throw new PreconditionFailedException(
                            "conditional create " + ifNoneExist + " matches " + hits.size() + " resources");
                }
                if (hits.size() == 1) {
                    return new Planned(
                            entry, hits.get(0), type, hits.get(0).getIdElement().getIdPart(), false, 200);
                }
            }
            return new Planned(entry, resource, type, store.newId(), true, 0);
        }
        throw new InvalidRequestException("the sandbox does not support " + method + " in transactions");
    }
}
