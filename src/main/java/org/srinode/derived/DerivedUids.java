package org.srinode.derived;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Deterministic UIDs of derived objects: {@code 2.25.} followed by the decimal value of a name-based
 * UUID of the source UID and the model version, so that reprocessing the same series with the same
 * model gives the same UIDs and never duplicates a series in the PACS.
 */
public final class DerivedUids {
    private DerivedUids() {
    }

    public static String of(String... parts) {
        UUID u = UUID.nameUUIDFromBytes(String.join("|", parts).getBytes(StandardCharsets.UTF_8));
        BigInteger value = new BigInteger(1, toBytes(u));
        return "2.25." + value;
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
