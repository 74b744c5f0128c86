package org.srinode.audit;

import java.io.StringWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * One DICOM audit message (PS3.15 Annex A.5, the IHE ATNA audit message format derived from RFC 3881): the
 * event, its active participants (who did it, from where, in which role), the audit source (this node) and
 * the participant objects (patient, study). Written as XML with the JDK's StAX writer, so any text a peer or
 * user supplied is escaped. Element and attribute names follow the PS3.15 A.5.1 schema; the node does not
 * validate against the schema itself (it is not shipped).
 */
public final class AuditMessage {
    /** A code: csd-code, codeSystemName, originalText (the schema's CodedValueType). */
    public record Code(String code, String system, String text) {
        public static Code dcm(String code, String text) {
            return new Code(code, "DCM", text);
        }
    }

    /** PS3.15 A.5.1 EventOutcomeIndicator: 0 success, 4 minor failure, 8 serious failure, 12 major failure. */
    public enum Outcome {
        SUCCESS("0"),
        MINOR_FAILURE("4"),
        SERIOUS_FAILURE("8"),
        MAJOR_FAILURE("12");

        final String value;

        Outcome(String value) {
            this.value = value;
        }
    }

    /**
     * @param userId      the participant: a user name, an AE title, or the node's process
     * @param alternative AlternativeUserID (e.g. the process id), or null
     * @param requestor   UserIsRequestor
     * @param address     NetworkAccessPointID (an IP address or host name), or null
     * @param role        RoleIDCode, or null
     */
    public record Participant(String userId, String alternative, boolean requestor, String address, Code role) {}

    /**
     * @param id        ParticipantObjectID
     * @param type      ParticipantObjectTypeCode (1 person, 2 system object)
     * @param role      ParticipantObjectTypeCodeRole (1 patient, 3 report, 24 query)
     * @param idType    ParticipantObjectIDTypeCode
     * @param name      ParticipantObjectName, or null
     * @param sopClasses SOP Class UID to NumberOfInstances (one SOPClass element each; empty: none)
     * @param detail    ParticipantObjectDescription, or null
     */
    public record ParticipantObject(
            String id,
            int type,
            int role,
            Code idType,
            String name,
            java.util.Map<String, Integer> sopClasses,
            String detail) {
        public static ParticipantObject patient(String patientId, String name) {
            return new ParticipantObject(
                    patientId, 1, 1, new Code("2", "RFC-3881", "Patient Number"), name, java.util.Map.of(), null);
        }

        public static ParticipantObject study(String studyUid, java.util.Map<String, Integer> sopClasses) {
            return new ParticipantObject(
                    studyUid, 2, 3, Code.dcm("110180", "Study Instance UID"), null, sopClasses, null);
        }

        /** Something read by its URI (RFC 3881 ParticipantObjectIDTypeCode 12), e.g. an API path. */
        public static ParticipantObject uri(String uri) {
            return new ParticipantObject(uri, 2, 3, new Code("12", "RFC-3881", "URI"), null, java.util.Map.of(), null);
        }
    }

    private final Code event;
    private final String action;
    private final Outcome outcome;
    private final Code type;
    private final String outcomeDescription;
    private final Instant at;
    private final List<Participant> participants = new ArrayList<>();
    private final List<ParticipantObject> objects = new ArrayList<>();

    /**
     * @param event   EventID (e.g. 110114 User Authentication)
     * @param action  EventActionCode: C create, R read, U update, D delete, E execute
     * @param outcome EventOutcomeIndicator
     * @param type    EventTypeCode, or null
     * @param outcomeDescription EventOutcomeDescription (why it failed), or null
     */
    public AuditMessage(Code event, String action, Outcome outcome, Code type, String outcomeDescription, Instant at) {
        this.event = event;
        this.action = action;
        this.outcome = outcome;
        this.type = type;
        this.outcomeDescription = outcomeDescription;
        this.at = at;
    }

    public AuditMessage participant(Participant p) {
        participants.add(p);
        return this;
    }

    public AuditMessage object(ParticipantObject o) {
        objects.add(o);
        return this;
    }

    /** The XML, one line, with the audit source (AuditSourceID, AuditEnterpriseSiteID) given. */
    public String toXml(String sourceId, String siteId) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartElement("AuditMessage");
            x.writeStartElement("EventIdentification");
            x.writeAttribute("EventActionCode", action);
            x.writeAttribute("EventDateTime", at.truncatedTo(ChronoUnit.MILLIS).toString());
            x.writeAttribute("EventOutcomeIndicator", outcome.value);
            code(x, "EventID", event);
            if (type != null) {
                code(x, "EventTypeCode", type);
            }
            if (outcomeDescription != null) {
                x.writeStartElement("EventOutcomeDescription");
                x.writeCharacters(clean(outcomeDescription));
                x.writeEndElement();
            }
            x.writeEndElement();
            for (Participant p : participants) {
                x.writeStartElement("ActiveParticipant");
                x.writeAttribute("UserID", clean(p.userId()));
                if (p.alternative() != null) {
                    x.writeAttribute("AlternativeUserID", clean(p.alternative()));
                }
                x.writeAttribute("UserIsRequestor", Boolean.toString(p.requestor()));
                if (p.address() != null) {
                    x.writeAttribute("NetworkAccessPointID", p.address());
                    x.writeAttribute(
                            "NetworkAccessPointTypeCode", p.address().matches("[0-9.]+|[0-9a-fA-F:]+") ? "2" : "1");
                }
                if (p.role() != null) {
                    code(x, "RoleIDCode", p.role());
                }
                x.writeEndElement();
            }
            x.writeStartElement("AuditSourceIdentification");
            x.writeAttribute("AuditSourceID", sourceId);
            x.writeAttribute("AuditEnterpriseSiteID", siteId);
            code(x, "AuditSourceTypeCode", new Code("4", "DCM", "Application Server Process"));
            x.writeEndElement();
            for (ParticipantObject o : objects) {
                x.writeStartElement("ParticipantObjectIdentification");
                x.writeAttribute("ParticipantObjectID", clean(o.id()));
                x.writeAttribute("ParticipantObjectTypeCode", Integer.toString(o.type()));
                x.writeAttribute("ParticipantObjectTypeCodeRole", Integer.toString(o.role()));
                code(x, "ParticipantObjectIDTypeCode", o.idType());
                if (o.name() != null) {
                    x.writeStartElement("ParticipantObjectName");
                    x.writeCharacters(clean(o.name()));
                    x.writeEndElement();
                }
                if (o.detail() != null) {
                    x.writeStartElement("ParticipantObjectDescription");
                    x.writeCharacters(clean(o.detail()));
                    x.writeEndElement();
                }
                for (java.util.Map.Entry<String, Integer> c : new java.util.TreeMap<>(o.sopClasses()).entrySet()) {
                    x.writeStartElement("SOPClass");
                    x.writeAttribute("UID", clean(c.getKey()));
                    x.writeAttribute("NumberOfInstances", Integer.toString(c.getValue()));
                    x.writeEndElement();
                }
                x.writeEndElement();
            }
            x.writeEndElement();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write an audit message: " + e.getMessage(), e);
        }
        return out.toString();
    }

    /** Text as XML 1.0 may hold it, on one line: control characters (and lone surrogates) become spaces. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair =
                    Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                b.append(c).append(s.charAt(++i));
            } else if (c < 0x20 || Character.isSurrogate(c) || c == 0xFFFE || c == 0xFFFF) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void code(XMLStreamWriter x, String element, Code c) throws XMLStreamException {
        x.writeStartElement(element);
        x.writeAttribute("csd-code", c.code());
        x.writeAttribute("codeSystemName", c.system());
        x.writeAttribute("originalText", c.text());
        x.writeEndElement();
    }
}
