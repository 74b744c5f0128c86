package org.srinode.dicom;

import java.util.regex.Pattern;

/** UID syntax (PS3.5 9.1): digits and dots, no leading zero in a component, at most 64 characters. */
public final class Uids {
    private static final Pattern UID = Pattern.compile("(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*");

    private Uids() {
    }

    public static boolean isValid(String uid) {
        return uid != null && !uid.isEmpty() && uid.length() <= 64 && UID.matcher(uid).matches();
    }

    /** Lenient check used for file names: digits and dots only, so no UID can escape its folder. */
    public static boolean isSafeForPath(String uid) {
        return uid != null && !uid.isEmpty() && uid.length() <= 64 && uid.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))
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
