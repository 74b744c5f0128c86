package org.srinode.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.srinode.enhance.Enhancer;

/**
 * The node's choice of model (issue 15): the shipped x4 model serves the series whose assessment recommends x4, the
 * x2 model every other series; without a usable x4 model the x2 model serves them all and the node says why.
 */
class ModelServiceTest {
    private static ModelService start(String x4Dir) {
        return start("models/sri-default-x2", x4Dir, ModelService.State.READY);
    }

    /** @param x4Dir SRI_ENHANCE_MODEL_X4_DIR, null when unset */
    private static ModelService start(String mainDir, String x4Dir, ModelService.State expected) {
        return start(mainDir, x4Dir, 1, expected);
    }

    /** @param selfEnsemble SRI_ENHANCE_SELF_ENSEMBLE */
    private static ModelService start(String mainDir, String x4Dir, int selfEnsemble, ModelService.State expected) {
        Map<String, Object> values = Map.of(
                "enabled",
                true,
                "modelDir",
                mainDir,
                "modelX4Dir",
                java.util.Optional.ofNullable(x4Dir),
                "device",
                org.srinode.enhance.InferenceDevice.CPU,
                "poolSize",
                1,
                "workers",
                1,
                "tile",
                512,
                "overlap",
                8,
                "batchSize",
                4,
                "selfEnsemble",
                selfEnsemble);
        EnhanceConfig config = (EnhanceConfig) Proxy.newProxyInstance(
                EnhanceConfig.class.getClassLoader(), new Class<?>[] {EnhanceConfig.class}, (proxy, method, args) -> {
                    if (!values.containsKey(method.getName())) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return values.get(method.getName());
                });
        ModelService models = new ModelService(config, null, true);
        models.onStart(null);
        await().atMost(Duration.ofSeconds(60)).until(() -> models.state() != ModelService.State.LOADING);
        assertThat(models.state()).as(models.detail()).isEqualTo(expected);
        return models;
    }

    private static int scaleFor(ModelService models, int recommended) {
        return models.enhancerFor(recommended)
                .map(Enhancer::config)
                .orElseThrow()
                .scale();
    }

    @Test
    void aSelfEnsembleOfThreeStopsEnhancementWithTheAllowedSizes() {
        ModelService models = start("models/sri-default-x2", null, 3, ModelService.State.FAILED);
        assertThat(models.unavailable())
                .hasValueSatisfying(why -> assertThat(why).contains("SRI_ENHANCE_SELF_ENSEMBLE", "1, 2, 4 or 8"));
        ModelService four = start("models/sri-default-x2", null, 4, ModelService.State.READY);
        try {
            assertThat(four.enhancerFor(4).orElseThrow().selfEnsemble())
                    .as("the x4 model too")
                    .isEqualTo(4);
            assertThat(four.enhancerFor(2).orElseThrow().selfEnsemble()).isEqualTo(4);
            assertThat(four.detail()).contains("self-ensemble of 4 orientations");
        } finally {
            four.onStop(null);
        }
    }

    @Test
    void theX4ModelServesTheSeriesThatNeedX4() {
        ModelService models = start(null); // the shipped x4 model goes with the shipped main model
        try {
            assertThat(scaleFor(models, 4)).isEqualTo(4);
            assertThat(scaleFor(models, 2)).isEqualTo(2);
            assertThat(scaleFor(models, 1)).as("inpainting only").isEqualTo(2);
            assertThat(scaleFor(models, 0)).as("no assessment").isEqualTo(2);
            assertThat(models.detail()).contains("x4 for series");
        } finally {
            models.onStop(null);
        }
    }

    @Test
    void noX4ModelWhenTurnedOffOrWithAMainModelOfTheSitesOwn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path own)
            throws Exception {
        ModelService none = start("none");
        try {
            assertThat(scaleFor(none, 4)).isEqualTo(2);
        } finally {
            none.onStop(null);
        }
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("models/sri-default-x2"))) {
            for (java.nio.file.Path f : files.toList()) {
                java.nio.file.Files.copy(f, own.resolve(f.getFileName()));
            }
        }
        ModelService site = start(own.toString(), null, ModelService.State.READY);
        try {
            assertThat(scaleFor(site, 4))
                    .as("no x4 model the site did not name")
                    .isEqualTo(2);
            assertThat(site.detail()).contains("no x4 model");
        } finally {
            site.onStop(null);
        }
    }

    @Test
    void anX4ModelTheOperatorNamedThatCannotBeUsedStopsEnhancementWithTheReason() {
        ModelService wrong = start("models/sri-default-x2", "models/sri-default-x2", ModelService.State.FAILED);
        assertThat(wrong.detail()).contains("SRI_ENHANCE_MODEL_X4_DIR").contains("scale 2, not 4");
        assertThat(wrong.enhancerFor(2)).isEmpty();
        assertThat(wrong.unavailable()).isPresent();
        ModelService missing = start("models/sri-default-x2", "no/such/folder", ModelService.State.FAILED);
        assertThat(missing.detail()).contains("no/such/folder");
    }
}
