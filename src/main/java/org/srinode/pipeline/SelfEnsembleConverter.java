package org.srinode.pipeline;

import org.eclipse.microprofile.config.spi.Converter;
import org.srinode.enhance.EnhancerOptions;

/**
 * Reads {@code SRI_ENHANCE_SELF_ENSEMBLE} ({@code sri.enhance.self-ensemble}): 1, 2, 4 or 8. Any other value, a
 * non-integer or an empty one included, fails the configuration, so the node does not start and says which values
 * are allowed (as for {@code SRI_ENHANCE_DEVICE}).
 */
public final class SelfEnsembleConverter implements Converter<Integer> {
    @Override
    public Integer convert(String value) {
        String v = value == null ? "" : value.trim();
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "SRI_ENHANCE_SELF_ENSEMBLE must be 1, 2, 4 or 8 (orientations averaged per slice), not \"" + v
                            + "\"");
        }
        try {
            EnhancerOptions.checkSelfEnsemble(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SRI_ENHANCE_SELF_ENSEMBLE: " + e.getMessage(), e);
        }
        return n;
    }
}
