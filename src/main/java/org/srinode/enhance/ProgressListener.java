package org.srinode.enhance;

/** Told after each batch: slices done of the total. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> {};

    void progress(int done, int total);
}
