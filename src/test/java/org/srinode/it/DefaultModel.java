package org.srinode.it;

import java.nio.file.Path;
import org.srinode.enhance.ModelConfig;

/**
 * Name and version of the models the node loads by default (derived UIDs depend on them): the x2 model, and the x4
 * model for the series whose assessment recommends x4.
 */
final class DefaultModel {
    private DefaultModel() {}

    static ModelConfig config(int scale) {
        try {
            return ModelConfig.read(Path.of(scale == 4 ? "models/sri-default-x4" : "models/sri-default-x2"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The derived Series Instance UID the node gives generation 1 of a source series (kind "series" or "segmentation")
     * that the assessment sends to the model of this scale (2 or 4).
     */
    static String derivedUid(String sourceUid, String kind, int scale) {
        ModelConfig c = config(scale);
        return org.srinode.derived.DerivedUids.of(sourceUid, c.name(), c.version(), kind);
    }
}
