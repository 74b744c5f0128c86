package org.srinode.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** Audit messages (PS3.15 A.5): one well-formed line whatever a peer or user supplies. */
class AuditMessageTest {
    @Test
    void peerSuppliedTextIsEscapedAndKeptOnOneLine() throws Exception {
        String hostile = "EVIL\"/><Injected/>\n<AuditMessage>\u0000\ud800";
        String xml = new AuditMessage(
                        AuditMessage.Code.dcm("110104", "DICOM Instances Transferred"),
                        "C",
                        AuditMessage.Outcome.SUCCESS,
                        null,
                        "line one\r\nline two",
                        Instant.parse("2026-12-01T10:00:00Z"))
                .participant(new AuditMessage.Participant(
                        hostile, null, true, "192.0.2.1", AuditMessage.Code.dcm("110153", "Source Role ID")))
                .object(AuditMessage.ParticipantObject.study("1.2.3", Map.of("1.2.840.10008.5.1.4.1.1.4", 3)))
                .object(AuditMessage.ParticipantObject.patient("PID\u00e9", "Yamada^Tarou=\u5c71\u7530^\u592a\u90ce"))
                .toXml("sri-node@host", "site");
        assertThat(xml).doesNotContain("\n").doesNotContain("\r").doesNotContain("<Injected/>");
        Document d = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.getElementsByTagName("AuditMessage").getLength()).isEqualTo(1);
        assertThat(d.getElementsByTagName("ActiveParticipant")
                        .item(0)
                        .getAttributes()
                        .getNamedItem("UserID")
                        .getNodeValue())
                .startsWith("EVIL\"/><Injected/> <AuditMessage>");
        assertThat(d.getElementsByTagName("SOPClass")
                        .item(0)
                        .getAttributes()
                        .getNamedItem("NumberOfInstances")
                        .getNodeValue())
                .isEqualTo("3");
        assertThat(d.getElementsByTagName("ParticipantObjectName").item(0).getTextContent())
                .isEqualTo("Yamada^Tarou=\u5c71\u7530^\u592a\u90ce");
        assertThat(d.getElementsByTagName("EventOutcomeDescription").item(0).getTextContent())
                .isEqualTo("line one  line two");
        assertThat(xml).contains("EventDateTime=\"2026-12-01T10:00:00Z\"").contains("NetworkAccessPointTypeCode=\"2\"");
    }
}
