package org.srinode.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes rendered by kustomize as an operator's {@code kubectl apply -k} would (issue 14), gated with the
 * container tests ({@code ./sri-node test-container}, which unpacks Debian's kubernetes-client under target/tools and
 * passes its kubectl as -Dsri.kubectl): both the base and the GPU overlay render, the output passes
 * {@link ManifestCheck}, the overlay gives the enhance workers a GPU and the CUDA image and leaves the ingest pods as
 * they were, and every object carries the common label.
 */
class KubernetesRenderIT {
    @Test
    void theBaseAndTheGpuOverlayRenderAndPassTheCheck() throws Exception {
        Assumptions.assumeTrue(
                Boolean.getBoolean("sri.container"), "the rendering test runs with ./sri-node test-container");
        String kubectl = System.getProperty("sri.kubectl", "kubectl");
        Path repo = Path.of("").toAbsolutePath();
        ManifestCheck check = new ManifestCheck(repo);
        String base = kustomize(kubectl, repo.resolve("deploy/kubernetes/base"));
        String gpu = kustomize(kubectl, repo.resolve("deploy/kubernetes/gpu"));
        assertThat(check.check(base)).as("problems of the rendered base").isEmpty();
        assertThat(check.check(gpu)).as("problems of the rendered GPU overlay").isEmpty();
        List<HasMetadata> b = ManifestCheck.read(base);
        List<HasMetadata> g = ManifestCheck.read(gpu);
        assertThat(b)
                .allSatisfy(d ->
                        assertThat(d.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "sri-node"));
        var enhance = one(g, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertThat(enhance.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(enhance.getImage()).contains("sri-node-cuda");
        assertThat(one(b, Deployment.class)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getResources()
                        .getLimits())
                .doesNotContainKey("nvidia.com/gpu");
        assertThat(one(g, StatefulSet.class)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage())
                .as("the overlay leaves the ingest pods' image")
                .isEqualTo(one(b, StatefulSet.class)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getImage());
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> docs, Class<T> type) {
        List<T> found = docs.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static String kustomize(String kubectl, Path dir) throws Exception {
        Path errors = Files.createTempFile("kustomize", ".err");
        Process p = new ProcessBuilder(kubectl, "kustomize", dir.toString())
                .redirectError(errors.toFile())
                .start();
        byte[] out = p.getInputStream().readAllBytes(); // the manifests only: warnings go to stderr
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("kubectl kustomize %s: %s", dir, Files.readString(errors))
                .isZero();
        Files.writeString(Path.of("target", "kubernetes-" + dir.getFileName() + ".yaml"), text);
        return text;
    }
}
