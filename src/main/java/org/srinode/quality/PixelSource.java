package org.srinode.quality;

import org.srinode.dicom.ImageHeader;

/** Gives the decoded pixels of an image (rows x columns floats); throws with a reason when it cannot. */
@FunctionalInterface
public interface PixelSource {
    float[] pixels(ImageHeader image) throws Exception;
}
