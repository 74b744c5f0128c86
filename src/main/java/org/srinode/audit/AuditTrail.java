package org.srinode.audit;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.srinode.audit.AuditMessage.Code;
import org.srinode.audit.AuditMessage.Outcome;
import org.srinode.audit.AuditMessage.Participant;
import org.srinode.audit.AuditMessage.ParticipantObject;

/**
 * The node's audit trail (issue 12): security-relevant events as DICOM audit messages (PS3.15 A.5, IHE
 * ATNA), one XML message per line on the {@code sri.atna} log category. Where they go is logging
 * configuration (application.properties): always a local file, {@code $SRI_DATA_DIR/audit/atna.log}; with
 * {@code SRI_AUDIT_SYSLOG=host:port} also an audit repository over syslog (RFC 5424; over UDP, or over TLS as RFC
 * 5425 with {@code SRI_AUDIT_SYSLOG_TLS=true}, see {@link SyslogTls}), through the JBoss log manager's syslog handler. Audit messages may carry patient identifiers (that is their purpose); the
 * application log does not.
 *
 * <p>Events (PS3.15 A.5.3 EventID / EventTypeCode): Application Activity 110100 (start 110120, stop 110121);
 * DICOM Instances Transferred 110104 (received: action C, sent: action R); User Authentication 110114 (Login
 * 110122; a failure always, a success at most once per user and address per {@link #LOGIN_QUIET}, since HTTP
 * Basic authenticates every request); DICOM Instances Accessed 110103 (previews and series read through the
 * API) and Query 110112 (FHIR sandbox reads; the same read by the same user and address at most once per
 * {@link #ACCESS_QUIET}, as the web page refreshes its list every 5 s); Security Alert 110113 (Node Authentication 110126 for refused
 * associations and TLS handshakes, Security Configuration 110129 for user changes, Use of Restricted Function 110132 for operator actions).
 *
 * <p>About 350 lines: one short method per DICOM audit event (PS3.15 A.5.3), kept together so the event codes the node
 * emits can be read and compared with the conformance statement in one file.
 */
@ApplicationScoped
public class AuditTrail {
    private static final Logger ATNA = Logger.getLogger("sri.atna");
    /** A successful login of one user from one address is recorded at most this often. */
    public static final Duration LOGIN_QUIET = Duration.ofMinutes(15);

    private static final Code SOURCE = Code.dcm("110153", "Source Role ID");
    private static final Code DESTINATION = Code.dcm("110152", "Destination Role ID");
    private static final Code APPLICATION = Code.dcm("110150", "Application");

    private final String aeTitle;
    private final String sourceId;
    private final String siteId;
    private final String host;
    private final String pid = Long.toString(ProcessHandle.current().pid());
    private final Map<String, Instant> lastLogin = new ConcurrentHashMap<>();
    /** The same read by the same user from the same address is recorded at most this often. */
    public static final Duration ACCESS_QUIET = Duration.ofMinutes(1);

    private final Map<String, Instant> lastAccess = new ConcurrentHashMap<>();

    /**
     * Failures one address can have recorded per minute and kind (refused connections, failed logins); beyond it
     * they are counted and the count goes into that address's next record of the kind, so that an unauthenticated
     * peer cannot flood the trail (and rotate earlier records away).
     */
    public static final int FAILURES_PER_MINUTE = 10;

    private final Map<String, int[]> failureWindow = new ConcurrentHashMap<>();
    private final Map<String, Instant> failureWindowStart = new ConcurrentHashMap<>();

    /**
     * Whether a failure of {@code kind} from {@code address} is recorded now: null when it is to be counted only,
     * else a note of how many were counted, not recorded, since the last record ("" when none).
     */
    private String admitFailure(String kind, String address) {
        String key = kind + "|" + address;
        Instant now = Instant.now();
        synchronized (failureWindow) {
            if (failureWindow.size() > 10_000) {
                failureWindow.clear();
                failureWindowStart.clear();
            }
            int[] c = failureWindow.computeIfAbsent(key, k -> new int[2]); // [recorded in this window, counted only]
            Instant start = failureWindowStart.get(key);
            if (start == null || start.plus(Duration.ofMinutes(1)).isBefore(now)) {
                failureWindowStart.put(key, now);
                c[0] = 0;
            }
            if (c[0] >= FAILURES_PER_MINUTE) {
                c[1]++;
                return null;
            }
            c[0]++;
            String note = c[1] == 0 ? "" : " (and " + c[1] + " more from this address not recorded one by one)";
            c[1] = 0;
            return note;
        }
    }

    /**
     * Whether {@link #login} (a success) or {@link #loginWithoutRole} for this user and address would record nothing
     * now, because one was recorded within {@link #LOGIN_QUIET}: a read of memory that never blocks, so a caller on an
     * I/O thread can skip handing the request to a worker for a record that would not be written.
     */
    public boolean loginRecordedRecently(String user, String address, boolean withoutRole) {
        Instant last = lastLogin.get((withoutRole ? "no role|" : "") + user + "|" + address);
        return last != null && last.plus(LOGIN_QUIET).isAfter(Instant.now());
    }

    /** True when {@code key} was recorded within {@code quiet}; else notes it now (the map is bounded). */
    private static boolean repeated(Map<String, Instant> seen, String key, Duration quiet) {
        Instant now = Instant.now();
        Instant last = seen.get(key);
        if (last != null && last.plus(quiet).isAfter(now)) {
            return true;
        }
        if (seen.size() > 10_000) {
            seen.clear();
        }
        seen.put(key, now);
        return false;
    }

    /** The audit settings, null for a trail without syslog. */
    private final AuditSettings settings;

    /** The TLS syslog handler this trail attached, or null. */
    private java.util.logging.Handler syslogHandler;

    /** The node's trail: its settings, and the node's AE title as the audit source's participant. */
    @jakarta.inject.Inject
    public AuditTrail(@ConfigProperty(name = "sri.dicom.ae-title") String aeTitle, AuditSettings settings) {
        this(aeTitle, settings.siteId(), settings);
    }

    /** A trail without syslog (tests and tools): messages go to the sri.atna log category only. */
    public AuditTrail(String aeTitle, String siteId) {
        this(aeTitle, siteId, null);
    }

    private AuditTrail(String aeTitle, String siteId, AuditSettings settings) {
        this.aeTitle = aeTitle;
        this.siteId = siteId;
        this.settings = settings;
        String h;
        try {
            h = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            h = "localhost";
        }
        this.host = h;
        this.sourceId = "sri-node@" + h;
    }

    /** Where the XML goes: the sri.atna log category (a test may collect it instead). */
    private java.util.function.Consumer<String> sink = ATNA::info;

    void sendTo(java.util.function.Consumer<String> sink) {
        this.sink = sink;
    }

    private void emit(AuditMessage m) {
        sink.accept(m.toXml(sourceId, siteId));
    }

    private Participant node(boolean requestor, Code role) {
        return new Participant(aeTitle, pid, requestor, host, role);
    }

    void started(@Observes StartupEvent e) {
        java.util.Optional<String> syslog = settings == null
                ? java.util.Optional.empty()
                : settings.syslog().map(String::trim).filter(v -> !v.isEmpty());
        if (syslog.isPresent() && settings.syslogTls()) {
            if (settings.syslogCert().isPresent() != settings.syslogKey().isPresent()) {
                throw new IllegalArgumentException(
                        "SRI_AUDIT_SYSLOG_CERT and SRI_AUDIT_SYSLOG_KEY go together (a client certificate and its key)");
            }
            syslogHandler = SyslogTls.attach(
                    syslog.get(),
                    settings.syslogCa().orElse(null),
                    settings.syslogCert().orElse(null),
                    settings.syslogKey().orElse(null));
            Logger.getLogger(AuditTrail.class).infof("audit trail over syslog with TLS (RFC 5425) to %s", syslog.get());
        }
        emit(new AuditMessage(
                        Code.dcm("110100", "Application Activity"),
                        "E",
                        Outcome.SUCCESS,
                        Code.dcm("110120", "Application Start"),
                        null,
                        Instant.now())
                .participant(node(false, APPLICATION)));
    }

    void stopped(@Observes ShutdownEvent e) {
        emit(new AuditMessage(
                        Code.dcm("110100", "Application Activity"),
                        "E",
                        Outcome.SUCCESS,
                        Code.dcm("110121", "Application Stop"),
                        null,
                        Instant.now())
                .participant(node(false, APPLICATION)));
        if (syslogHandler != null) {
            syslogHandler.close(); // sends what is queued, the stop message last
        }
    }

    /**
     * Instances of one study received in one association.
     *
     * @param callingAe   the sender's AE title
     * @param peer        its address
     * @param certificate the subject of its TLS client certificate, or null
     */
    public void received(
            String callingAe, String peer, String certificate, String studyUid, Map<String, Integer> sopClasses) {
        emit(new AuditMessage(
                        Code.dcm("110104", "DICOM Instances Transferred"),
                        "C",
                        Outcome.SUCCESS,
                        null,
                        certificate == null ? null : "TLS client certificate " + certificate,
                        Instant.now())
                .participant(new Participant(callingAe, null, true, peer, SOURCE))
                .participant(node(false, DESTINATION))
                .object(ParticipantObject.study(studyUid, sopClasses)));
    }

    /**
     * Instances of one series sent to the destination (a FORWARD job delivered).
     *
     * @param destination the destination as configured (AE title and address, or a folder)
     * @param patientId   Patient ID of the instances, or null when unknown
     */
    public void sent(
            String destination,
            String studyUid,
            String patientId,
            String patientName,
            Map<String, Integer> sopClasses) {
        AuditMessage m = new AuditMessage(
                        Code.dcm("110104", "DICOM Instances Transferred"),
                        "R",
                        Outcome.SUCCESS,
                        null,
                        null,
                        Instant.now())
                .participant(node(true, SOURCE))
                .participant(new Participant(destination, null, false, null, DESTINATION))
                .object(ParticipantObject.study(studyUid, sopClasses));
        if (patientId != null && !patientId.isEmpty()) {
            m.object(ParticipantObject.patient(patientId, patientName));
        }
        emit(m);
    }

    /**
     * An HTTP login: a failure is always recorded, a success once per user and address per {@link #LOGIN_QUIET}.
     *
     * @param failure why it failed, or null for a success
     */
    public void login(String user, String address, String failure) {
        if (failure == null && repeated(lastLogin, user + "|" + address, LOGIN_QUIET)) {
            return;
        }
        if (failure != null) {
            String note = admitFailure("login", address);
            if (note == null) {
                return;
            }
            failure = failure + note;
        }
        emit(new AuditMessage(
                        Code.dcm("110114", "User Authentication"),
                        "E",
                        failure == null ? Outcome.SUCCESS : Outcome.MINOR_FAILURE,
                        Code.dcm("110122", "Login"),
                        failure,
                        Instant.now())
                .participant(new Participant(user, null, true, address, null))
                .participant(node(false, APPLICATION)));
    }

    /**
     * A user the hospital's identity provider signed in but whose groups give no role on this node: a failed login,
     * recorded at most once per user and address per {@link #LOGIN_QUIET} (each of their requests is refused again).
     */
    public void loginWithoutRole(String user, String address) {
        if (repeated(lastLogin, "no role|" + user + "|" + address, LOGIN_QUIET)) {
            return;
        }
        login(user, address, "signed in by the OpenID provider, but in no group mapped to a role here");
    }

    /** A user signed out of the web page (User Authentication 110114, Logout 110123). */
    public void logout(String user, String address) {
        emit(new AuditMessage(
                        Code.dcm("110114", "User Authentication"),
                        "E",
                        Outcome.SUCCESS,
                        Code.dcm("110123", "Logout"),
                        null,
                        Instant.now())
                .participant(new Participant(user, null, true, address, null))
                .participant(node(false, APPLICATION)));
    }

    /**
     * Patient data read through the web page, the API or the FHIR sandbox.
     *
     * @param query    true for a FHIR query (110112 Query), false for images or series read (110103)
     * @param what     the request path and query (the participant object, by URI)
     */
    public void accessed(String user, String address, boolean query, String what) {
        if (repeated(lastAccess, user + "|" + address + "|" + what, ACCESS_QUIET)) {
            return; // the web page refreshes its list every few seconds: one record per minute and path is enough
        }
        emit(new AuditMessage(
                        query ? Code.dcm("110112", "Query") : Code.dcm("110103", "DICOM Instances Accessed"),
                        query ? "E" : "R",
                        Outcome.SUCCESS,
                        null,
                        null,
                        Instant.now())
                .participant(new Participant(user, null, true, address, DESTINATION))
                .participant(node(false, SOURCE))
                .object(ParticipantObject.uri(what)));
    }

    /**
     * An operator action (release of a held series, requeue of a dead job): Security Alert, Use of Restricted
     * Function, with who did what and why.
     */
    public void operatorAction(String user, String address, String description) {
        emit(new AuditMessage(
                        Code.dcm("110113", "Security Alert"),
                        "E",
                        Outcome.SUCCESS,
                        Code.dcm("110132", "Use of Restricted Function"),
                        description,
                        Instant.now())
                .participant(new Participant(user, null, true, address, null))
                .participant(node(false, APPLICATION)));
    }

    /**
     * A peer refused: an association rejected by the acceptance policy or a failed TLS handshake (Node
     * Authentication), or a change of users or roles (Security Configuration).
     *
     * @param configuration true for a security configuration change (by {@code who}), false for a refused peer
     */
    public void securityAlert(String who, String address, boolean configuration, String description) {
        if (!configuration) {
            String note = admitFailure("refused", address);
            if (note == null) {
                return;
            }
            description = description + note;
        }
        emit(new AuditMessage(
                        Code.dcm("110113", "Security Alert"),
                        "E",
                        configuration ? Outcome.SUCCESS : Outcome.MINOR_FAILURE,
                        configuration
                                ? Code.dcm("110129", "Security Configuration")
                                : Code.dcm("110126", "Node Authentication"),
                        description,
                        Instant.now())
                .participant(new Participant(who, null, true, address, null))
                .participant(node(false, APPLICATION)));
    }
}
