package org.srinode.enhance;

import java.nio.file.Path;

/** Lets tests of other packages create the Python reference models. */
public final class ReferenceModelAccess {
    private ReferenceModelAccess() {}

    public static Path create(String name, String preset, int scale) throws Exception {
        return ReferenceModel.create(name, preset, scale);
    }
}
