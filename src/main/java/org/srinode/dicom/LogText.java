package org.srinode.dicom;

/**
 * Makes peer-supplied text (AE titles, UIDs, comments, exception messages that quote them) safe for
 * one log line: control characters, DEL and non-ASCII characters become {@code \xNN} (or
 * {@code \\uNNNN}), so a newline in an AE title cannot forge a log line. Long values are cut at 256
 * characters.
 */
public final class LogText {
    private static final int MAX = 256;

    private LogText() {}

    /** The escaped text; "null" for null. */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= MAX) {
                b.append("...");
                break;
            }
            char ch = s.charAt(i);
            if (ch == '\\') {
                b.append("\\\\");
            } else if (ch >= 0x20 && ch < 0x7f) {
                b.append(ch);
            } else if (ch < 0x100) {
                b.append(String.format("\\x%02X", (int) ch));
            } else {
                b.append(String.format("\\u%04X", (int) ch));
            }
        }
        return b.toString();
    }
}
