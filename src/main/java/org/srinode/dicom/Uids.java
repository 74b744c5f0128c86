package org.srinode.dicom;

/**
 * UIDs (PS3.5 9.1: digits and dots, at most 64 characters) as the node handles them: checked leniently (instances in
 * the wild carry components with leading zeros, and the node stores and forwards them as received), and shortened for
 * logs.
 */
public final class Uids {
    private Uids() {}

    /** Lenient check used for file names: digits and dots only, so no UID can escape its folder. */
    public static boolean isSafeForPath(String uid) {
        return uid != null
                && !uid.isEmpty()
                && uid.length() <= 64
                && uid.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))
                && !uid.startsWith(".");
    }

    /** A short, non-reversible tag for logs (no PHI, but UIDs are long and still identifying). */
    public static String shortTag(String uid) {
        if (uid == null) {
            return "-";
        }
        return Integer.toHexString(uid.hashCode() & 0x7fffffff);
    }
}
