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
        Map<String, Object> values = Map.of(
                "enabled", true,
                "modelDir", "models/sri-default-x2",
                "modelX4Dir", x4Dir,
                "device", EnhanceConfig.Device.CPU,
                "poolSize", 1,
                "workers", 1,
                "tile", 512,
                "overlap", 8,
                "batchSize", 4);
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
        assertThat(models.state()).as(models.detail()).isEqualTo(ModelService.State.READY);
        return models;
    }

    private static int scaleFor(ModelService models, int recommended) {
        return models.enhancerFor(recommended)
                .map(Enhancer::config)
                .orElseThrow()
                .scale();
    }

    @Test
    void theX4ModelServesTheSeriesThatNeedX4() {
        ModelService models = start("models/sri-default-x4");
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
    void withoutAUsableX4ModelTheX2ModelServesEverySeries() {
        ModelService none = start("none");
        try {
            assertThat(scaleFor(none, 4)).isEqualTo(2);
        } finally {
            none.onStop(null);
        }
        ModelService wrong = start("models/sri-default-x2"); // a model that is not x4
        try {
            assertThat(scaleFor(wrong, 4)).isEqualTo(2);
            assertThat(wrong.detail()).contains("scale 2, not 4").contains("x2 for every series");
        } finally {
            wrong.onStop(null);
        }
        ModelService missing = start("no/such/folder");
        try {
            assertThat(scaleFor(missing, 4)).isEqualTo(2);
            assertThat(missing.detail()).contains("no x4 model");
        } finally {
            missing.onStop(null);
        }
    }
}
