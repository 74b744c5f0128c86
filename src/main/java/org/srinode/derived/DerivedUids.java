package org.srinode.derived;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Deterministic UIDs of derived objects: {@code 2.25.} followed by the decimal value of a name-based
 * UUID of the source UID and the model version, so that reprocessing the same series with the same
 * model gives the same UIDs and never duplicates a series in the PACS. Derived instances take the
 * derived Series Instance UID among their parts, so a new generation's instances are new too.
 */
public final class DerivedUids {
    private DerivedUids() {}

    public static String of(String... parts) {
        UUID u = UUID.nameUUIDFromBytes(String.join("|", parts).getBytes(StandardCharsets.UTF_8));
        BigInteger value = new BigInteger(1, toBytes(u));
        return "2.25." + value;
    }

    /**
     * The UID of a derived object of one generation of a source series: generation 1 gives
     * {@link #of}{@code (parts)}, generation g &gt; 1 adds {@code "generation-g"} to the parts, so that
     * each generation has its own derived series and re-running one generation gives the same UIDs.
     *
     * @param generation the source series' generation, 1 or more
     * @param parts      the same parts as for {@link #of}
     */
    public static String forGeneration(int generation, String... parts) {
        return forRun(generation, 1, parts);
    }

    /**
     * As {@link #forGeneration}, for the {@code run}-th enhancement of that generation: run 1 gives the same UID as
     * {@link #forGeneration}, run r &gt; 1 (an operator had the series enhanced again) adds {@code "run-r"} to the parts, so that
     * a re-run never reuses the UIDs of output that was withdrawn.
     */
    public static String forRun(int generation, int run, String... parts) {
        if (run > 1) {
            parts = java.util.Arrays.copyOf(parts, parts.length + 1);
            parts[parts.length - 1] = "run-" + run;
        }
        if (generation <= 1) {
            return of(parts);
        }
        String[] all = java.util.Arrays.copyOf(parts, parts.length + 1);
        all[parts.length] = "generation-" + generation;
        return of(all);
    }

    private static byte[] toBytes(UUID u) {
        byte[] b = new byte[16];
        long hi = u.getMostSignificantBits();
        long lo = u.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }
}
