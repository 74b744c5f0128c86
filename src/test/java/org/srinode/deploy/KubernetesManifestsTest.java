package org.srinode.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes (issue 14) checked offline, in the default suite: the base's files are the ones its
 * kustomization.yaml lists, they pass {@link ManifestCheck} (API types, references, what the node needs), the GPU
 * overlay patches the base's enhance Deployment with a GPU request, and the check finds the faults it exists for.
 * The same check runs on {@code kubectl kustomize}'s rendering of both in the gated ContainerIT.
 */
class KubernetesManifestsTest {
    static final Path REPO = Path.of("").toAbsolutePath();
    static final Path BASE = REPO.resolve("deploy/kubernetes/base");

    /** The base's resources joined as one multi-document YAML text, in kustomization.yaml's order. */
    static String baseText() throws IOException {
        JsonNode k = new ObjectMapper(new YAMLFactory())
                .readTree(BASE.resolve("kustomization.yaml").toFile());
        StringBuilder all = new StringBuilder();
        for (JsonNode r : k.path("resources")) {
            all.append(Files.readString(BASE.resolve(r.asText()))).append("\n---\n");
        }
        return all.toString();
    }

    @Test
    void theBaseListsEveryFileAndPassesTheCheck() throws Exception {
        JsonNode k = new ObjectMapper(new YAMLFactory())
                .readTree(BASE.resolve("kustomization.yaml").toFile());
        List<String> listed = new ArrayList<>();
        k.path("resources").forEach(r -> listed.add(r.asText()));
        try (Stream<Path> files = Files.list(BASE)) {
            assertThat(files.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")))
                    .as("every manifest of the base is in kustomization.yaml")
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
        List<HasMetadata> docs = ManifestCheck.read(baseText());
        assertThat(docs)
                .extracting(HasMetadata::getKind)
                .contains(
                        "StatefulSet",
                        "Deployment",
                        "PodDisruptionBudget",
                        "HorizontalPodAutoscaler",
                        "PersistentVolumeClaim",
                        "Service",
                        "ConfigMap");
        assertThat(new ManifestCheck(REPO).check(baseText())).isEmpty();
    }

    @Test
    void theGpuOverlayPatchesTheEnhanceDeploymentWithAGpu() throws Exception {
        Path gpu = REPO.resolve("deploy/kubernetes/gpu");
        JsonNode k = new ObjectMapper(new YAMLFactory())
                .readTree(gpu.resolve("kustomization.yaml").toFile());
        assertThat(k.path("bases").get(0).asText()).isEqualTo("../base");
        String patchFile = k.path("patchesStrategicMerge").get(0).asText();
        Deployment patch = (Deployment)
                ManifestCheck.read(Files.readString(gpu.resolve(patchFile))).get(0);
        Deployment base = ManifestCheck.read(baseText()).stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .filter(d ->
                        d.getMetadata().getName().equals(patch.getMetadata().getName()))
                .findFirst()
                .orElseThrow();
        var container = patch.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(base.getSpec().getTemplate().getSpec().getContainers())
                .extracting(c -> c.getName())
                .contains(container.getName());
        assertThat(container.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("SRI_ENHANCE_DEVICE");
            assertThat(e.getValue()).isEqualTo("gpu");
        });
        assertThat(container.getImage()).contains("cuda");
    }

    @Test
    void theCheckFindsTheFaultsItIsFor() throws Exception {
        ManifestCheck check = new ManifestCheck(REPO);
        String base = baseText();
        record Fault(String from, String to, String expected) {}
        List<Fault> faults = List.of(
                new Fault("          readinessProbe:", "          readinesProbe:", "unknown field(s) [readinesProbe]"),
                new Fault("      targetPort: https\n", "      targetPort: http\n", "targetPort http is no port"),
                new Fault(
                        "    - name: SRI_ENHANCE_DEVICE",
                        "    - name: SRI_ENHANCE_DEVISE",
                        "SRI_ENHANCE_DEVISE is no setting"),
                new Fault(
                        "/srv/sri-shared/spool",
                        "/var/lib/sri-node/spool",
                        "SRI_SPOOL_DIRECTORY (/var/lib/sri-node/spool) is not on a ReadWriteMany"),
                new Fault(
                        "              value: enhance\n",
                        "              value: assess\n",
                        "no workload runs the role(s) [ENHANCE]"),
                new Fault(
                        "              value: ingest,assess,forward,publish,web",
                        "              value: ingest,assess,forward,publish,www",
                        "unknown role 'www'"),
                new Fault(
                        "        runAsUser: 10001",
                        "        runAsUser: 0",
                        "must run as non-root with runAsUser 10001"),
                new Fault(
                        "                  name: sri-node-db\n",
                        "                  name: sri-node-database\n",
                        "Secret 'sri-node-database'"),
                new Fault(
                        "    app.kubernetes.io/component: enhance\n  ports:",
                        "    app.kubernetes.io/component: enhancer\n  ports:",
                        "selects no pod"),
                new Fault(
                        "              path: /q/health/ready",
                        "              path: /health",
                        "readinessProbe must be an httpGet on /q/health/ready"),
                new Fault("  serviceName: sri-node-ingest", "  serviceName: sri-node-web", "is not a headless Service"),
                new Fault(
                        "              scheme: HTTPS\n            periodSeconds: 10",
                        "              scheme: HTTP\n            periodSeconds: 10",
                        "readinessProbe uses scheme HTTP but the node serves HTTPS only"),
                new Fault("        runAsUser: 10001", "        runAsUser: \"10001\"", "not a number or boolean"));
        for (Fault f : faults) {
            assertThat(base).as("the text a fault replaces: %s", f.from()).contains(f.from());
            assertThat(check.check(base.replace(f.from(), f.to())))
                    .as("after %s -> %s", f.from().trim(), f.to().trim())
                    .anySatisfy(p -> assertThat(p).contains(f.expected()));
        }
    }
}
