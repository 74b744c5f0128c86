package org.srinode.pipeline;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.srinode.enhance.InferenceDevice;

/** The enhancement model the node loads at start-up and how inference runs. */
@ConfigMapping(prefix = "sri.enhance")
public interface EnhanceConfig {
    /** Load a model at start-up; readiness stays DOWN until it is loaded. */
    @WithDefault("true")
    boolean enabled();

    /** Model folder (config.json + TorchScript), relative to the working directory or absolute. */
    @WithDefault(DEFAULT_MODEL_DIR)
    String modelDir();

    /** The model the node ships as its main one, and the x4 model that goes with it. */
    String DEFAULT_MODEL_DIR = "models/sri-default-x2";

    String DEFAULT_X4_MODEL_DIR = "models/sri-default-x4";

    /**
     * The x4 model ({@code SRI_ENHANCE_MODEL_X4_DIR}), used for a series whose assessment recommends x4 (issue 15);
     * {@code none}: every series gets the model of {@link #modelDir()}. Unset: the shipped x4 model goes with the shipped
     * main model only (a site that installed a model of its own gets no x4 model it did not name). A folder named here
     * that cannot be loaded, or that is not x4, stops enhancement (readiness DOWN) with the reason.
     */
    java.util.Optional<String> modelX4Dir();

    /** Where the model runs ({@code SRI_ENHANCE_DEVICE}); another value stops the node at start-up with the allowed ones. */
    @WithDefault("auto")
    InferenceDevice device();

    /** Predictors kept ready (at least the number of workers). */
    @WithDefault("2")
    int poolSize();

    /** Series enhanced at the same time (the bounded worker pool of the enhance route). */
    @WithDefault("1")
    int workers();

    /**
     * Largest slice side, in low-resolution pixels, run in one pass; larger slices are cut into tiles of
     * this side. 512 runs every common MR matrix whole (one pass per slice, no overlap recomputed); lower it
     * for a small GPU.
     */
    @WithDefault("512")
    int tile();

    /** Tile overlap in low-resolution pixels. */
    @WithDefault("8")
    int overlap();

    /** Tiles per forward pass (whole slices when they fit one tile, so several slices per pass). */
    @WithDefault("4")
    int batchSize();

    /**
     * Geometric self-ensemble ({@code SRI_ENHANCE_SELF_ENSEMBLE}): each tile is enhanced in this many orientations
     * (1, 2, 4 or 8) and the outputs averaged, that many forward passes per tile; another value stops the node at
     * start-up with the allowed ones ({@link SelfEnsembleConverter}). Part of the derived UIDs and the Derivation
     * Description when not 1, like the model version: every enhance node sharing a database needs the same value.
     */
    @WithDefault("1")
    @io.smallrye.config.WithConverter(SelfEnsembleConverter.class)
    int selfEnsemble();

    /** Retries of an enhancement ({@code sri.enhance.max-attempts}, {@code initial-backoff}, {@code max-backoff}; defaults 3, 10s, 5m). */
    @io.smallrye.config.WithParentName
    org.srinode.jobs.RetryPolicy retry();
}
