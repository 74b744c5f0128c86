package org.srinode.fhir.sandbox;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The sandbox's in-memory resources, by type and id, with a version per update. Searches understand
 * the parameters the node and its tests use: _id, identifier (system|value or value), and the
 * reference parameters subject, patient, target, derived-from and agent (Type/id).
 */
public final class SandboxStore {
    private static final Map<String, String> REFERENCE_PARAMS = Map.of(
            "subject",
            "subject",
            "patient",
            "subject",
            "target",
            "target",
            "derived-from",
            "derivedFrom",
            "agent",
            "agent.who");

    private final FhirContext ctx;
    private final FhirTerser terser;
    private final Map<String, Map<String, IBaseResource>> byType = new LinkedHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);

    public SandboxStore(FhirContext ctx) {
        this.ctx = ctx;
        this.terser = ctx.newTerser();
    }

    public FhirContext context() {
        return ctx;
    }

    public synchronized Optional<IBaseResource> read(String type, String id) {
        return Optional.ofNullable(byType.getOrDefault(type, Map.of()).get(id));
    }

    /** Stores the resource under the id (a new one when null); true when it did not exist before. */
    public synchronized boolean put(String type, String id, IBaseResource resource) {
        Map<String, IBaseResource> all = byType.computeIfAbsent(type, t -> new LinkedHashMap<>());
        IBaseResource old = all.get(id);
        long version = old == null ? 1 : Long.parseLong(old.getIdElement().getVersionIdPart()) + 1;
        resource.setId(ctx.getVersion().newIdType().setValue(type + "/" + id + "/_history/" + version));
        resource.getMeta().setVersionId(Long.toString(version));
        resource.getMeta().setLastUpdated(new Date());
        all.put(id, resource);
        return old == null;
    }

    /** Removes the resource; false when there was none. */
    public synchronized boolean delete(String type, String id) {
        return byType.getOrDefault(type, new LinkedHashMap<>()).remove(id) != null;
    }

    public synchronized String newId() {
        return Long.toString(nextId.getAndIncrement());
    }

    /** Resources of a type matching every parameter (a comma in a value means "any of"). */
    public synchronized List<IBaseResource> search(String type, Map<String, String[]> params) {
        List<IBaseResource> hits = new ArrayList<>();
        for (IBaseResource r : byType.getOrDefault(type, Map.of()).values()) {
            boolean all = true;
            for (Map.Entry<String, String[]> p : params.entrySet()) {
                if (p.getKey().startsWith("_") && !p.getKey().equals("_id")) {
                    continue; // _format, _count, _pretty...: not filters
                }
                all &= matchesAny(r, p.getKey(), p.getValue());
            }
            if (all) {
                hits.add(r);
            }
        }
        return hits;
    }

    /** Search parameters of a query string such as "identifier=urn:dicom:uid|urn:oid:1.2". */
    public static Map<String, String[]> parseQuery(String query) {
        Map<String, String[]> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(k, new String[] {v});
        }
        return params;
    }

    private boolean matchesAny(IBaseResource r, String param, String[] values) {
        for (String value : values) {
            for (String alternative : value.split(",")) {
                if (matches(r, param, alternative)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean matches(IBaseResource r, String param, String value) {
        if (param.equals("_id")) {
            return value.equals(r.getIdElement().getIdPart());
        }
        if (param.equals("identifier")) {
            int bar = value.indexOf('|');
            String system = bar < 0 ? null : value.substring(0, bar);
            String code = bar < 0 ? value : value.substring(bar + 1);
            for (IBase id : terser.getValues(r, "identifier")) {
                String s = terser.getSinglePrimitiveValueOrNull(id, "system");
                String v = terser.getSinglePrimitiveValueOrNull(id, "value");
                if (code.equals(v) && (system == null || system.equals(s))) {
                    return true;
                }
            }
            return false;
        }
        String path = REFERENCE_PARAMS.get(param);
        if (path == null) {
            throw new IllegalArgumentException("the sandbox does not support the search parameter '" + param + "'");
        }
        for (IBase ref : terser.getValues(r, path)) {
            if (ref instanceof IBaseReference br
                    && br.getReferenceElement().getValue() != null
                    && br.getReferenceElement()
                            .toUnqualifiedVersionless()
                            .getValue()
                            .equals(value)) {
                return true;
            }
        }
        return false;
    }
}
