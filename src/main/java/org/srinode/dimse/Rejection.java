package org.srinode.dimse;

/**
 * An A-ASSOCIATE-RJ: result, source and reason as PS3.8 Table 9-21 numbers them, and the reason in
 * words for the log.
 *
 * @param result 1 rejected-permanent, 2 rejected-transient
 * @param source 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation)
 * @param reason source 1: 1 no-reason-given, 2 application-context-name-not-supported,
 *               3 calling-AE-title-not-recognized, 7 called-AE-title-not-recognized; source 2:
 *               1 no-reason-given, 2 protocol-version-not-supported; source 3: 1 temporary-congestion,
 *               2 local-limit-exceeded
 * @param why    the reason in words (peer-supplied text already escaped)
 */
public record Rejection(int result, int source, int reason, String why) {
    public static Rejection applicationContextNotSupported(String why) {
        return new Rejection(1, 1, 2, why);
    }

    public static Rejection callingAeTitleNotRecognized(String why) {
        return new Rejection(1, 1, 3, why);
    }

    public static Rejection calledAeTitleNotRecognized(String why) {
        return new Rejection(1, 1, 7, why);
    }

    public static Rejection protocolVersionNotSupported(String why) {
        return new Rejection(1, 2, 2, why);
    }

    /** Rejected permanently by the service user, no reason given (PS3.8 Table 9-21: result 1, source 1, reason 1). */
    public static Rejection noReasonGiven(String why) {
        return new Rejection(1, 1, 1, why);
    }

    public static Rejection localLimitExceeded(String why) {
        return new Rejection(2, 3, 2, why);
    }

    /** The A-ASSOCIATE-RJ PDU body (PS3.8 section 9.3.4). */
    byte[] pduBody() {
        return new byte[] {0, (byte) result, (byte) source, (byte) reason};
    }
}
