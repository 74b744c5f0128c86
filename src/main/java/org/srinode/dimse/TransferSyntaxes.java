package org.srinode.dimse;

import java.util.List;
import java.util.Map;

/** The transfer syntaxes the SCP accepts; data are stored exactly as received (no transcoding). */
public final class TransferSyntaxes {
    public static final String IMPLICIT_LE = "1.2.840.10008.1.2";
    public static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";

    /** UID to name, in the order of the conformance statement. */
    public static final Map<String, String> ACCEPTED = orderedMap(List.of(
            IMPLICIT_LE,
            "Implicit VR Little Endian",
            EXPLICIT_LE,
            "Explicit VR Little Endian",
            "1.2.840.10008.1.2.1.99",
            "Deflated Explicit VR Little Endian",
            "1.2.840.10008.1.2.2",
            "Explicit VR Big Endian (retired)",
            "1.2.840.10008.1.2.4.50",
            "JPEG Baseline (Process 1)",
            "1.2.840.10008.1.2.4.51",
            "JPEG Extended (Process 2 & 4)",
            "1.2.840.10008.1.2.4.57",
            "JPEG Lossless, Non-Hierarchical (Process 14)",
            "1.2.840.10008.1.2.4.70",
            "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1)",
            "1.2.840.10008.1.2.4.80",
            "JPEG-LS Lossless",
            "1.2.840.10008.1.2.4.81",
            "JPEG-LS Lossy (Near-Lossless)",
            "1.2.840.10008.1.2.4.90",
            "JPEG 2000 Image Compression (Lossless Only)",
            "1.2.840.10008.1.2.4.91",
            "JPEG 2000 Image Compression",
            "1.2.840.10008.1.2.4.201",
            "High-Throughput JPEG 2000 (Lossless Only)",
            "1.2.840.10008.1.2.4.202",
            "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)",
            "1.2.840.10008.1.2.4.203",
            "High-Throughput JPEG 2000",
            "1.2.840.10008.1.2.5",
            "RLE Lossless"));

    private TransferSyntaxes() {}

    public static boolean isAccepted(String uid) {
        return ACCEPTED.containsKey(uid);
    }

    private static Map<String, String> orderedMap(List<String> kv) {
        java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.size(); i += 2) {
            m.put(kv.get(i), kv.get(i + 1));
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
