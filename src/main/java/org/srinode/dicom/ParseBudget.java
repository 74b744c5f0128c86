package org.srinode.dicom;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the heap that full parses of received data sets take together. The check of a received instance ({@link
 * DicomHeaders#readAndCheckReceived}) reads the whole data set into memory with PixelMed, values and Pixel Data
 * included; 16 associations each finishing a large instance (or a deflated one that inflates 50 times) would otherwise
 * ask for more than the heap. Each check holds its data set's estimated parse size ({@link
 * DatasetStructure.Result#parseHeapBytes}) from a node-wide budget of half the maximum heap ({@link
 * Runtime#maxMemory}), at least 64 MiB; a check that finds too little free waits up to 20 seconds, then is refused as
 * out of resources (the peer sends again), and a data set larger than the whole budget is refused at once with what to
 * change. The node's own read-backs (derived series, rejection notes, start-up recovery) do not draw from it. Not
 * fair: a small instance is not queued behind a large one that waits.
 */
public final class ParseBudget {
    /** How long a parse waits for the budget, in seconds (tests shorten it). */
    static volatile int waitSeconds = 20;

    private static final int KIB_TOTAL = (int)
            Math.min(Integer.MAX_VALUE, Math.max(64L << 10, Runtime.getRuntime().maxMemory() / 2 / 1024));
    private static final Semaphore KIB = new Semaphore(KIB_TOTAL, false);

    private ParseBudget() {}

    /** A share of the budget; give it back with {@link #close}. */
    public static final class Share implements AutoCloseable {
        private final int kib;
        private boolean released;

        private Share(int kib) {
            this.kib = kib;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                KIB.release(kib);
            }
        }
    }

    /**
     * Takes {@code bytes} of the budget.
     *
     * @throws InvalidDicomException of kind {@link InvalidDicomException.Kind#OUT_OF_RESOURCES} when the data set is
     *     larger than the whole budget, or the budget stays short for 20 seconds
     */
    public static Share take(long bytes) throws InvalidDicomException {
        long kib = Math.max(1, (bytes + 1023) / 1024);
        if (kib > KIB_TOTAL) {
            throw new InvalidDicomException(
                    "the data set needs about " + ((bytes + (1 << 20) - 1) >> 20) + " MiB to be checked, more than the "
                            + (KIB_TOTAL >> 10) + " MiB the node may hold for checking received instances (half its "
                            + "Java heap): give the node a larger heap (SRI_JAVA_HEAP, default 1g)",
                    InvalidDicomException.Kind.OUT_OF_RESOURCES);
        }
        try {
            if (!KIB.tryAcquire((int) kib, waitSeconds, TimeUnit.SECONDS)) {
                throw new InvalidDicomException(
                        "the node is checking other large instances now: not enough of the " + (KIB_TOTAL >> 10)
                                + " MiB it holds for checks became free within " + waitSeconds + " s; send this one "
                                + "again",
                        InvalidDicomException.Kind.OUT_OF_RESOURCES);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidDicomException(
                    "interrupted while waiting to check the instance", InvalidDicomException.Kind.OUT_OF_RESOURCES);
        }
        return new Share((int) kib);
    }

    /** The whole budget in bytes (for tests and the log). */
    static long totalBytes() {
        return (long) KIB_TOTAL * 1024;
    }
}
