package org.srinode.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.srinode.NodeRoles;

/**
 * An offline check of Kubernetes manifests (deploy/kubernetes, issue 14) with no API server: each document is read into
 * the Kubernetes API's own types (fabric8's model, generated from the API's OpenAPI schema) and a field that the type
 * does not have is reported (fabric8 keeps unknown fields in {@code additionalProperties} instead of failing), then
 * the references between the documents and what the node needs are checked: selectors that select, ports and
 * volumes that exist, probes on the node's health paths, a non-root pod with the image's uid, settings that the
 * README documents, Secrets that deploy/README.md tells the operator to create, the spool and derived folders on a
 * ReadWriteMany volume in every process, and every role of {@link NodeRoles} run by some workload.
 *
 * <p>{@link #check(String)} returns the problems as sentences (empty when none), also for a document of a kind this
 * project does not ship (add it to {@code KINDS} with its API type) or a string where the API has a number; it throws
 * only when the text is not YAML.
 */
final class ManifestCheck {
    /** The kinds deploy/kubernetes ships, by the manifest's {@code kind}. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "ConfigMap", ConfigMap.class,
            "PersistentVolumeClaim", PersistentVolumeClaim.class,
            "Service", Service.class,
            "StatefulSet", StatefulSet.class,
            "Deployment", Deployment.class,
            "PodDisruptionBudget", PodDisruptionBudget.class,
            "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
    /** A row of README.md's settings table: its first cell names one or more settings. */
    private static final Pattern SETTING_ROW = Pattern.compile("(?m)^\\| (`SRI_[^|]*)\\|");

    private static final Pattern SETTING = Pattern.compile("`(SRI_[A-Z0-9_]+)`");

    private final Set<String> documentedSettings;
    private final String deployReadme;
    private final long imageUid;

    /**
     * @param repository the repository root: README.md (settings table), deploy/README.md (Secrets, other variables)
     *                   and deploy/Containerfile (the image's uid, {@code useradd --uid})
     */
    ManifestCheck(Path repository) throws IOException {
        documentedSettings = new TreeSet<>();
        Matcher m = SETTING_ROW.matcher(Files.readString(repository.resolve("README.md")));
        while (m.find()) {
            Matcher names = SETTING.matcher(m.group(1));
            while (names.find()) {
                documentedSettings.add(names.group(1));
            }
        }
        deployReadme = Files.readString(repository.resolve("deploy/README.md"));
        Matcher uid =
                Pattern.compile("--uid (\\d+)").matcher(Files.readString(repository.resolve("deploy/Containerfile")));
        if (!uid.find()) {
            throw new IllegalStateException("deploy/Containerfile names no --uid for its user");
        }
        imageUid = Long.parseLong(uid.group(1));
    }

    /** The documents of a multi-document YAML text (kubectl kustomize's output, or manifest files joined with ---). */
    static List<HasMetadata> read(String yaml) throws IOException {
        // no coercion: "10001" where the API has a number, or "true" where it has a boolean, is a fault as kubectl sees
        // it
        ObjectMapper mapper = com.fasterxml.jackson.databind.json.JsonMapper.builder(new YAMLFactory())
                .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        List<HasMetadata> out = new ArrayList<>();
        for (JsonNode node :
                mapper.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
            if (node == null || node.isNull() || node.isEmpty()) {
                continue;
            }
            String kind = node.path("kind").asText();
            Class<? extends HasMetadata> type = KINDS.get(kind);
            if (type == null) {
                throw new IllegalArgumentException(
                        "a document of kind '" + kind + "', not one of " + new TreeSet<>(KINDS.keySet()));
            }
            try {
                out.add(mapper.treeToValue(node, type));
            } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
                throw new IllegalArgumentException(
                        kind + "/" + node.at("/metadata/name").asText() + ": a string where the "
                                + "Kubernetes API has a number or boolean, not a number or boolean as kubectl reads it: "
                                + e.getOriginalMessage());
            }
        }
        return out;
    }

    /** The problems of a set of manifests, each a sentence naming the document and the field. */
    List<String> check(String yaml) throws IOException {
        List<HasMetadata> docs;
        try {
            docs = read(yaml);
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        Map<String, String> config = new LinkedHashMap<>();
        for (HasMetadata d : docs) {
            unknownFields(d, name(d), problems);
            if (d instanceof ConfigMap cm && cm.getData() != null) {
                cm.getData().forEach((k, v) -> config.put(cm.getMetadata().getName() + "/" + k, v));
            }
        }
        EnumSet<NodeRoles> roles = EnumSet.noneOf(NodeRoles.class);
        for (HasMetadata d : docs) {
            PodTemplateSpec template = null;
            LabelSelector selector = null;
            if (d instanceof Deployment dep) {
                template = dep.getSpec().getTemplate();
                selector = dep.getSpec().getSelector();
            } else if (d instanceof StatefulSet ss) {
                template = ss.getSpec().getTemplate();
                selector = ss.getSpec().getSelector();
                String svc = ss.getSpec().getServiceName();
                Optional<Service> headless = find(docs, Service.class, svc);
                if (headless.isEmpty()
                        || !"None".equals(headless.get().getSpec().getClusterIP())) {
                    problems.add(name(d) + ": serviceName '" + svc + "' is not a headless Service of these manifests");
                }
            }
            if (template == null) {
                continue;
            }
            if (selector == null || !matches(selector, template.getMetadata().getLabels())) {
                problems.add(name(d) + ": its selector does not select its own pod template");
            }
            workload(name(d), template.getSpec(), docs, config, roles, problems);
        }
        EnumSet<NodeRoles> missing = EnumSet.complementOf(roles);
        if (!missing.isEmpty() && docs.stream().anyMatch(d -> d instanceof Deployment || d instanceof StatefulSet)) {
            problems.add("no workload runs the role(s) " + missing + ": that part of the node would run nowhere");
        }
        for (HasMetadata d : docs) {
            if (d instanceof Service s) {
                List<PodTemplateSpec> pods = podsSelectedBy(docs, s.getSpec().getSelector());
                if (pods.isEmpty()) {
                    problems.add(name(d) + ": its selector " + s.getSpec().getSelector()
                            + " selects no pod of these manifests");
                }
                for (var port : s.getSpec().getPorts()) {
                    var target = port.getTargetPort();
                    for (PodTemplateSpec p : pods) {
                        boolean found = ports(p.getSpec()).stream()
                                .anyMatch(cp -> target == null
                                        ? Objects.equals(cp.getContainerPort(), port.getPort())
                                        : target.getStrVal() != null
                                                ? target.getStrVal().equals(cp.getName())
                                                : Objects.equals(target.getIntVal(), cp.getContainerPort()));
                        if (!found) {
                            problems.add(name(d) + ": targetPort "
                                    + (target == null
                                            ? port.getPort()
                                            : target.getStrVal() != null ? target.getStrVal() : target.getIntVal())
                                    + " is no port of the pods it selects");
                        }
                    }
                }
            } else if (d instanceof PodDisruptionBudget pdb) {
                if (podsSelectedBy(docs, pdb.getSpec().getSelector().getMatchLabels())
                        .isEmpty()) {
                    problems.add(name(d) + ": its selector selects no pod of these manifests");
                }
            } else if (d instanceof HorizontalPodAutoscaler hpa) {
                var ref = hpa.getSpec().getScaleTargetRef();
                boolean found = docs.stream()
                        .anyMatch(o -> o.getKind().equals(ref.getKind())
                                && o.getMetadata().getName().equals(ref.getName()));
                if (!found) {
                    problems.add(name(d) + ": scaleTargetRef " + ref.getKind() + "/" + ref.getName()
                            + " is not in these manifests");
                }
            }
        }
        return problems;
    }

    private void workload(
            String where,
            PodSpec pod,
            List<HasMetadata> docs,
            Map<String, String> config,
            EnumSet<NodeRoles> roles,
            List<String> problems) {
        var sc = pod.getSecurityContext();
        if (sc == null || !Boolean.TRUE.equals(sc.getRunAsNonRoot()) || !Objects.equals(sc.getRunAsUser(), imageUid)) {
            problems.add(where + ": the pod must run as non-root with runAsUser " + imageUid + " (the image's user)");
        }
        Set<String> volumes = new TreeSet<>();
        Set<String> rwx = new TreeSet<>();
        for (Volume v : Optional.ofNullable(pod.getVolumes()).orElse(List.of())) {
            volumes.add(v.getName());
            if (v.getPersistentVolumeClaim() != null) {
                Optional<PersistentVolumeClaim> pvc = find(
                        docs,
                        PersistentVolumeClaim.class,
                        v.getPersistentVolumeClaim().getClaimName());
                if (pvc.isEmpty()) {
                    problems.add(where + ": volume '" + v.getName() + "' claims '"
                            + v.getPersistentVolumeClaim().getClaimName() + "', which is not in these manifests");
                } else if (pvc.get().getSpec().getAccessModes().contains("ReadWriteMany")) {
                    rwx.add(v.getName());
                }
            }
            if (v.getSecret() != null) {
                secretDocumented(where, v.getSecret().getSecretName(), null, problems);
            }
        }
        docs.stream()
                .filter(StatefulSet.class::isInstance)
                .map(StatefulSet.class::cast)
                .filter(ss -> ss.getSpec().getTemplate().getSpec() == pod)
                .flatMap(ss -> Optional.ofNullable(ss.getSpec().getVolumeClaimTemplates()).orElse(List.of()).stream())
                .forEach(t -> volumes.add(t.getMetadata().getName()));
        for (Container c : pod.getContainers()) {
            String at = where + " container " + c.getName();
            var csc = c.getSecurityContext();
            if (csc == null || !Boolean.FALSE.equals(csc.getAllowPrivilegeEscalation())) {
                problems.add(at + ": allowPrivilegeEscalation must be false");
            }
            boolean https = c.getEnv() == null
                    || c.getEnv().stream()
                            .noneMatch(e -> e.getName().equals("SRI_HTTP_INSECURE") && "true".equals(e.getValue()));
            probe(at, "startupProbe", c.getStartupProbe(), "/q/health/live", https, c, problems);
            probe(at, "livenessProbe", c.getLivenessProbe(), "/q/health/live", https, c, problems);
            probe(at, "readinessProbe", c.getReadinessProbe(), "/q/health/ready", https, c, problems);
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvFromSource from : Optional.ofNullable(c.getEnvFrom()).orElse(List.of())) {
                if (from.getConfigMapRef() == null) {
                    problems.add(at + ": envFrom other than a ConfigMap is not checked: use env with secretKeyRef");
                    continue;
                }
                String cm = from.getConfigMapRef().getName();
                if (find(docs, ConfigMap.class, cm).isEmpty()) {
                    problems.add(at + ": envFrom ConfigMap '" + cm + "' is not in these manifests");
                }
                config.forEach((k, v) -> {
                    if (k.startsWith(cm + "/")) {
                        env.put(k.substring(cm.length() + 1), v);
                    }
                });
            }
            for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
                env.put(e.getName(), e.getValue());
                if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                    secretDocumented(
                            at,
                            e.getValueFrom().getSecretKeyRef().getName(),
                            e.getValueFrom().getSecretKeyRef().getKey(),
                            problems);
                }
            }
            for (String name : env.keySet()) {
                boolean documented = name.startsWith("SRI_")
                        ? documentedSettings.contains(name)
                        : deployReadme.contains("`" + name + "`");
                if (!documented) {
                    problems.add(at + ": " + name
                            + " is no setting that README.md's settings table (SRI_*) or deploy/README.md names");
                }
            }
            String roleList = env.getOrDefault("SRI_NODE_ROLES", "all");
            try {
                roles.addAll(NodeRoles.parse(roleList == null ? "all" : roleList));
            } catch (IllegalArgumentException ex) {
                problems.add(at + ": " + ex.getMessage());
            }
            Map<String, String> mounts = new LinkedHashMap<>();
            for (VolumeMount vm : Optional.ofNullable(c.getVolumeMounts()).orElse(List.of())) {
                mounts.put(vm.getMountPath(), vm.getName());
                if (!volumes.contains(vm.getName())) {
                    problems.add(at + ": volumeMount '" + vm.getName() + "' names no volume of the pod");
                }
            }
            for (String folder : List.of("SRI_SPOOL_DIRECTORY", "SRI_DERIVED_DIRECTORY")) {
                String path = env.get(folder);
                boolean shared = path != null
                        && mounts.entrySet().stream()
                                .anyMatch(mp -> path.startsWith(mp.getKey() + "/") && rwx.contains(mp.getValue()));
                if (!shared) {
                    problems.add(at + ": " + folder + " (" + path
                            + ") is not on a ReadWriteMany volume mounted in this pod: "
                            + "every node must see the same spool and derived files (deploy/README.md, Storage)");
                }
            }
        }
    }

    private static void probe(
            String at, String which, Probe p, String path, boolean https, Container c, List<String> problems) {
        HTTPGetAction get = p == null ? null : p.getHttpGet();
        if (get == null || !path.equals(get.getPath())) {
            problems.add(at + ": " + which + " must be an httpGet on " + path);
            return;
        }
        String scheme = get.getScheme() == null ? "HTTP" : get.getScheme();
        if (!scheme.equals(https ? "HTTPS" : "HTTP")) {
            problems.add(at + ": " + which + " uses scheme " + scheme + " but the node serves "
                    + (https ? "HTTPS only (SRI_HTTP_INSECURE is not true)" : "plain HTTP (SRI_HTTP_INSECURE=true)"));
        }
        var port = get.getPort();
        boolean found = Optional.ofNullable(c.getPorts()).orElse(List.of()).stream()
                .anyMatch(cp -> port.getStrVal() != null
                        ? port.getStrVal().equals(cp.getName())
                        : Objects.equals(port.getIntVal(), cp.getContainerPort()));
        if (!found) {
            problems.add(at + ": " + which + " port " + port + " is no port of the container");
        }
    }

    private void secretDocumented(String at, String secret, String key, List<String> problems) {
        // a line of deploy/README.md that names the Secret (and the key) as whole words, e.g. its kubectl create
        // command
        Pattern named = Pattern.compile("(?<![\\w-])" + Pattern.quote(secret) + "(?![\\w-])");
        boolean documented = deployReadme
                .lines()
                .anyMatch(line -> named.matcher(line).find()
                        && (key == null
                                || Pattern.compile("(?<![\\w-])" + Pattern.quote(key) + "(?![\\w-])")
                                        .matcher(line)
                                        .find()));
        if (!documented) {
            problems.add(at + ": Secret '" + secret + "'" + (key == null ? "" : " key '" + key + "'")
                    + " is not among the Secrets deploy/README.md tells the operator to create");
        }
    }

    private static List<ContainerPort> ports(PodSpec pod) {
        return pod.getContainers().stream()
                .flatMap(c -> Optional.ofNullable(c.getPorts()).orElse(List.of()).stream())
                .toList();
    }

    private static List<PodTemplateSpec> podsSelectedBy(List<HasMetadata> docs, Map<String, String> selector) {
        List<PodTemplateSpec> out = new ArrayList<>();
        for (HasMetadata d : docs) {
            PodTemplateSpec t = d instanceof Deployment dep
                    ? dep.getSpec().getTemplate()
                    : d instanceof StatefulSet ss ? ss.getSpec().getTemplate() : null;
            if (t != null
                    && selector != null
                    && !selector.isEmpty()
                    && t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())) {
                out.add(t);
            }
        }
        return out;
    }

    private static boolean matches(LabelSelector selector, Map<String, String> labels) {
        return selector.getMatchLabels() != null
                && !selector.getMatchLabels().isEmpty()
                && labels != null
                && labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
    }

    private static <T extends HasMetadata> Optional<T> find(List<HasMetadata> docs, Class<T> type, String name) {
        return docs.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(d -> d.getMetadata().getName().equals(name))
                .findFirst();
    }

    private static String name(HasMetadata d) {
        return d.getKind() + "/"
                + (d.getMetadata() == null ? "?" : d.getMetadata().getName());
    }

    /** Walks the model objects and reports every field the API type does not have (kept in additionalProperties). */
    private static void unknownFields(Object o, String path, List<String> problems) {
        if (o == null) {
            return;
        }
        if (o instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                unknownFields(list.get(i), path + "[" + i + "]", problems);
            }
            return;
        }
        if (o instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, problems));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) "
                            + new TreeSet<>(
                                    extra.keySet().stream().map(String::valueOf).toList())
                            + " (not in the Kubernetes API's " + o.getClass().getSimpleName() + ")");
                }
                continue;
            }
            String field =
                    Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            unknownFields(value, path + "." + field, problems);
        }
    }
}
