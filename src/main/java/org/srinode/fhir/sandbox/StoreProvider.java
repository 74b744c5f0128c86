package org.srinode.fhir.sandbox;

import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/** Read, create, update (create on update with the client's id) and search of one resource type in the sandbox store. */
public final class StoreProvider implements IResourceProvider {
    private final Class<? extends IBaseResource> type;
    private final String name;
    private final SandboxStore store;

    public StoreProvider(SandboxStore store, String name) {
        this.store = store;
        this.name = name;
        this.type = store.context().getResourceDefinition(name).getImplementingClass();
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return type;
    }

    @Read
    public IBaseResource read(@IdParam IIdType id) {
        return store.read(name, id.getIdPart()).orElseThrow(() -> new ResourceNotFoundException(id));
    }

    @Create
    public MethodOutcome create(@ResourceParam IBaseResource resource) {
        store.put(name, store.newId(), resource);
        return new MethodOutcome(resource.getIdElement(), true).setResource(resource);
    }

    @Update
    public MethodOutcome update(@IdParam IIdType id, @ResourceParam IBaseResource resource) {
        if (resource.getIdElement().hasIdPart()
                && !resource.getIdElement().getIdPart().equals(id.getIdPart())) {
            throw new InvalidRequestException(
                    "the resource's id " + resource.getIdElement().getIdPart() + " is not the URL's " + id.getIdPart());
        }
        boolean created = store.put(name, id.getIdPart(), resource);
        return new MethodOutcome(resource.getIdElement(), created).setResource(resource);
    }

    @Search(allowUnknownParams = true)
    public List<IBaseResource> search(RequestDetails request) {
        try {
            return store.search(name, request.getParameters());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }
}
