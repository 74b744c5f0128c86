package org.srinode.it;

import java.nio.file.Path;
import org.srinode.enhance.ModelConfig;

/** Name and version of the model the node loads by default (derived UIDs depend on them). */
final class DefaultModel {
    private DefaultModel() {}

    static ModelConfig config() {
        try {
            return ModelConfig.read(Path.of("models/sri-default-x2"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The derived Series Instance UID the node gives generation 1 of a source series (kind "series" or "segmentation"). */
    static String derivedUid(String sourceUid, String kind) {
        ModelConfig c = config();
        return org.srinode.derived.DerivedUids.of(sourceUid, c.name(), c.version(), kind);
    }
}
