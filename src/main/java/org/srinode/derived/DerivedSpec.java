package org.srinode.derived;

import java.util.List;

/**
 * What a derived MR series says about itself.
 *
 * @param seriesInstanceUid   the derived series' UID
 * @param seriesNumber        Series Number
 * @param descriptionSuffix   appended to the source Series Description
 * @param derivationDescription what was done, in words
 * @param modelName           model name (Contributing Equipment, algorithm)
 * @param modelVersion        model version
 * @param softwareVersion     sri-node version
 * @param scale               in-plane upscaling factor
 * @param actions             recommended actions applied (SR_X2, INPAINT, FILL_SLICES)
 */
public record DerivedSpec(
        String seriesInstanceUid,
        int seriesNumber,
        String descriptionSuffix,
        String derivationDescription,
        String modelName,
        String modelVersion,
        String softwareVersion,
        int scale,
        List<String> actions) {
    public static final String IMAGE_COMMENT =
            "AI-enhanced image (super-resolution/inpainting network of sri-node, see Contributing Equipment); not acquired";
}
