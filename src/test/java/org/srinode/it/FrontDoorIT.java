package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.IntegerStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The front door with real peers (issue 11): dcmtk's storescu as the modalities, Orthanc as the
 * PACS, the packaged node as a process. Needs only Debian packages (no ../shared).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontDoorIT {
    static final Path MR_SMALL = Path.of("/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm");
    Path tmp;
    Orthanc orthanc;
    Node node;
    Dcmtk dcmtk;

    @BeforeAll
    void start() throws Exception {
        tmp = WorkDir.fresh(getClass());
        orthanc = new Orthanc(tmp.resolve("orthanc")).start();
        node = new Node(tmp.resolve("node"))
                .forwardingTo(orthanc)
                .with("SRI_SERIES_IDLE_TIMEOUT", "2s")
                .with("SRI_ENHANCE_ENABLED", "false")
                .with("SRI_FHIR_ENABLED", "false")
                .with("SRI_DICOM_ALLOWED_CALLING_AE_TITLES", "MODALITY,OTHER")
                .start();
        dcmtk = new Dcmtk(tmp);
    }

    @AfterAll
    void stop() throws Exception {
        WorkDir.closeAll(node, orthanc);
    }

    /** n copies of MR_small in one new series (new UIDs, Instance Numbers 1..n), one file each. */
    static List<Path> series(Path dir, String studyUid, String seriesUid, int n, String modality) throws Exception {
        AttributeList base = new AttributeList();
        base.read(MR_SMALL.toString());
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String sop = seriesUid + "." + i;
            base.put(uid(TagFromName.StudyInstanceUID, studyUid));
            base.put(uid(TagFromName.SeriesInstanceUID, seriesUid));
            base.put(uid(TagFromName.SOPInstanceUID, sop));
            base.put(uid(TagFromName.MediaStorageSOPInstanceUID, sop));
            IntegerStringAttribute number = new IntegerStringAttribute(TagFromName.InstanceNumber);
            number.addValue(i);
            base.put(number);
            CodeStringAttribute m = new CodeStringAttribute(TagFromName.Modality);
            m.addValue(modality);
            base.put(m);
            Path f = dir.resolve(i + ".dcm");
            base.write(f.toString(), TransferSyntax.ExplicitVRLittleEndian, true, true);
            files.add(f);
        }
        return files;
    }

    private static UniqueIdentifierAttribute uid(com.pixelmed.dicom.AttributeTag tag, String value) throws Exception {
        UniqueIdentifierAttribute a = new UniqueIdentifierAttribute(tag);
        a.addValue(value);
        return a;
    }

    static String newUid() {
        return "2.25."
                + UUID.randomUUID()
                        .toString()
                        .replace("-", "")
                        .chars()
                        .limit(30)
                        .mapToObj(c -> String.valueOf(c % 10))
                        .reduce("", String::concat)
                        .replaceFirst("^0+", "1");
    }

    @Test
    void oneSeriesOverEightConcurrentAssociationsArrivesWhole20TimesOver() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<String> seriesUids = new ArrayList<>();
        try {
            for (int run = 0; run < 20; run++) {
                String study = newUid();
                String series = newUid();
                seriesUids.add(series);
                List<Path> files = series(tmp.resolve("concurrent/" + run), study, series, 20, "MR");
                List<Future<Proc>> senders = new ArrayList<>();
                for (int a = 0; a < 8; a++) {
                    List<Path> eighth = new ArrayList<>();
                    for (int k = a; k < files.size(); k += 8) {
                        eighth.add(files.get(k));
                    }
                    senders.add(
                            pool.submit(() -> dcmtk.store("MODALITY", node.dicomPort, eighth.toArray(Path[]::new))));
                }
                for (Future<Proc> s : senders) {
                    Proc p = s.get();
                    assertThat(p.exitCode()).as(p.output()).isZero(); // each instance's fate: Orthanc, below
                }
            }
        } finally {
            pool.shutdownNow();
        }
        for (String series : seriesUids) {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(orthanc.seriesInstances(series))
                            .as("series " + series)
                            .isEqualTo(20));
        }
        assertThat(node.log())
                .doesNotContain("spooled but not registered")
                .doesNotContain("durable but not registered");
    }

    @Test
    void oneSopInstanceUidInASecondSeriesIsRefusedAndTheFirstSeriesStaysWhole() throws Exception {
        String study = newUid();
        String first = newUid();
        List<Path> a = series(tmp.resolve("clash/a"), study, first, 3, "MR");
        assertThat(dcmtk.store("MODALITY", node.dicomPort, a.toArray(Path[]::new))
                        .exitCode())
                .isZero();
        // the same three SOP Instance UIDs, now claiming another series
        AttributeList l = new AttributeList();
        l.read(a.get(0).toString());
        l.put(uid(TagFromName.SeriesInstanceUID, newUid()));
        Path moved = tmp.resolve("clash/moved.dcm");
        l.write(moved.toString(), TransferSyntax.ExplicitVRLittleEndian, true, true);
        // the copy's meta header holds (0008,0008) from the source file, which dcmjs cannot read: dcmtk rewrites it
        Path clean = tmp.resolve("clash/moved-clean.dcm");
        assertThat(Proc.run(tmp.resolve("dcmconv.log"), "dcmconv", moved.toString(), clean.toString())
                        .exitCode())
                .isZero();
        JsScu.Outcome clash = new JsScu(tmp).store("MODALITY", node.dicomPort, clean);
        assertThat(clash.status()).as("Status").isEqualTo(0xC000);
        assertThat(clash.errorComment()).as("Error Comment").contains("already received in another series");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(orthanc.seriesInstances(first)).isEqualTo(3));
    }

    @Test
    void slowAndSilentPeersDoNotKeepAModalityOut() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 2000; i++) {
                sockets.add(new Socket("127.0.0.1", node.dicomPort));
            }
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket("127.0.0.1", node.dicomPort);
                s.getOutputStream().write(1); // the first byte of an A-ASSOCIATE-RQ, and never the rest
                sockets.add(s);
            }
            String series = newUid();
            List<Path> files = series(tmp.resolve("slow"), newUid(), series, 2, "MR");
            Proc p = dcmtk.store("MODALITY", node.dicomPort, files.toArray(Path[]::new));
            assertThat(p.exitCode()).as(p.output()).isZero();
            assertThat(Http.json(node.url("/api/series/" + series))
                            .path("series")
                            .path("instances")
                            .asInt())
                    .as("instances the node acknowledged and registered")
                    .isEqualTo(2);
            assertThat(dcmtk.echo("MODALITY", node.dicomPort).exitCode()).isZero();
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void aForgedAeTitleCannotWriteLinesIntoTheLog() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.dicomPort)) {
            byte[] rq = associateRqWithCallingAe("EVIL\nFORGED LN");
            s.getOutputStream().write(rq);
            s.getInputStream().read(new byte[64]);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.log().contains("EVIL\\x0AFORGED LN"));
        assertThat(node.log().lines()).noneMatch(l -> l.startsWith("FORGED"));
    }

    /** A-ASSOCIATE-RQ PDU (header included) for Verification with the given Calling AE Title. */
    private static byte[] associateRqWithCallingAe(String calling) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(new byte[] {0, 1, 0, 0});
        b.writeBytes(pad16("SRI_NODE"));
        b.writeBytes(pad16(calling));
        b.writeBytes(new byte[32]);
        item(b, 0x10, "1.2.840.10008.3.1.1.1".getBytes());
        java.io.ByteArrayOutputStream pc = new java.io.ByteArrayOutputStream();
        pc.writeBytes(new byte[] {1, 0, 0, 0});
        item(pc, 0x30, "1.2.840.10008.1.1".getBytes());
        item(pc, 0x40, "1.2.840.10008.1.2".getBytes());
        item(b, 0x20, pc.toByteArray());
        java.io.ByteArrayOutputStream ui = new java.io.ByteArrayOutputStream();
        item(ui, 0x51, new byte[] {0, 0, 0x40, 0});
        item(b, 0x50, ui.toByteArray());
        byte[] body = b.toByteArray();
        java.io.ByteArrayOutputStream pdu = new java.io.ByteArrayOutputStream();
        pdu.writeBytes(new byte[] {
            1,
            0,
            (byte) (body.length >>> 24),
            (byte) (body.length >>> 16),
            (byte) (body.length >>> 8),
            (byte) body.length
        });
        pdu.writeBytes(body);
        return pdu.toByteArray();
    }

    private static byte[] pad16(String s) {
        byte[] f = new byte[16];
        java.util.Arrays.fill(f, (byte) ' ');
        byte[] a = s.getBytes();
        System.arraycopy(a, 0, f, 0, Math.min(16, a.length));
        return f;
    }

    private static void item(java.io.ByteArrayOutputStream out, int type, byte[] v) {
        out.writeBytes(new byte[] {(byte) type, 0, (byte) (v.length >> 8), (byte) v.length});
        out.writeBytes(v);
    }

    @Test
    void aSpooledFileTheNodeCannotRegisterIsQuarantinedAndTheNodeStarts() throws Exception {
        Path data = tmp.resolve("poison");
        try (Node other = new Node(data).with("SRI_ENHANCE_ENABLED", "false").with("SRI_FHIR_ENABLED", "false")) {
            other.start();
            other.close();
            // a file that reached the spool before the node checked what it stores: Modality of 28 characters
            List<Path> bad = series(tmp.resolve("poison-src"), newUid(), newUid(), 1, "MR_WITH_A_VERY_LONG_MODALITY");
            Path target = data.resolve("spool/1.2.3/1.2.3.4/" + "1.2.3.4.5.dcm");
            Files.createDirectories(target.getParent());
            Files.copy(bad.get(0), target);
            // written before a crash an hour ago (recovery leaves younger files alone: a registration in progress)
            Files.setLastModifiedTime(
                    target,
                    java.nio.file.attribute.FileTime.from(
                            java.time.Instant.now().minus(java.time.Duration.ofHours(1))));
            other.start();
            assertThat(target).doesNotExist();
            try (Stream<Path> q = Files.list(data.resolve("spool/.quarantine"))) {
                assertThat(q.filter(f -> f.toString().endsWith(".reason.txt")).toList())
                        .hasSize(1);
            }
            assertThat(other.log()).contains("quarantined");
        }
    }
}
