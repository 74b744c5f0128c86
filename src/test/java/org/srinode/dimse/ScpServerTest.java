package org.srinode.dimse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.TestPart10;
import org.srinode.spool.Spool;
import org.srinode.spool.SpooledInstance;

/** The upper layer against hostile peers (issue 11 items 3 to 6): the node answers, aborts cleanly and keeps serving. */
class ScpServerTest {
    @TempDir
    Path dir;

    private ScpServer server;
    private final List<SpooledInstance> stored = new CopyOnWriteArrayList<>();
    private volatile Exception registrationFailure;

    @BeforeEach
    void start() throws IOException {
        ScpSettings s = new ScpSettings("SRI_NODE", 0, "127.0.0.1", Set.of(), 4, 16384, 5000, 1000, 4096);
        server = new ScpServer(s, new Spool(dir, 0), (inst, ae) -> {
            if (registrationFailure != null) {
                throw registrationFailure;
            }
            stored.add(inst);
        });
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private RawPeer peer() throws IOException {
        return new RawPeer(server.localPort());
    }

    private static byte[] dataset(String sop) {
        return TestPart10.mr(sop).pixels(4, 4, 32).dataset();
    }

    private int store(RawPeer p, String sop, byte[] data) throws IOException {
        p.pdv(1, true, true, RawPeer.command(Commands.C_STORE_RQ, 1, RawPeer.MR, sop, true));
        p.pdv(1, false, true, data);
        return p.readCommand().us(Commands.STATUS);
    }

    private long spoolFiles() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aValidInstanceIsStoredAndAnswered() throws Exception {
        try (RawPeer p = peer()) {
            assertThat(p.associate()).isEqualTo(Pdus.ASSOCIATE_AC);
            assertThat(store(p, "1.2.3.1.1.1", dataset("1.2.3.1.1.1"))).isZero();
            p.pdu(Pdus.RELEASE_RQ, new byte[4]);
            assertThat(p.read().type()).isEqualTo(Pdus.RELEASE_RP);
        }
        assertThat(stored).hasSize(1);
    }

    @Test
    void faultyDataSetsGetFailureStatusesAndTheAssociationStaysUsable() throws Exception {
        try (RawPeer p = peer()) {
            p.associate();
            // 2 GiB declared inside a 300-byte data set: 0xC000, nothing allocated, nothing kept
            byte[] lying = new TestPart10("x")
                    .raw(dataset("1.2.3.1.1.2"))
                    .header(0x00091010, "OB", 0x7FFFFFF0L)
                    .raw(new byte[64])
                    .dataset();
            assertThat(store(p, "1.2.3.1.1.2", lying)).isEqualTo(0xC000);
            // the data set's SOP Instance UID is not the command's
            assertThat(store(p, "1.2.3.1.1.9", dataset("1.2.3.1.1.3"))).isEqualTo(0xC000);
            // the data set's SOP Class is not the context's: 0xA900
            byte[] ct = new TestPart10("x")
                    .str(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.2")
                    .str(0x00080018, "UI", "1.2.3.1.1.4")
                    .str(0x0020000D, "UI", "1.2.3.1")
                    .str(0x0020000E, "UI", "1.2.3.1.1")
                    .dataset();
            assertThat(store(p, "1.2.3.1.1.4", ct)).isEqualTo(0xA900);
            // the command's SOP Class is not the context's
            p.pdv(
                    1,
                    true,
                    true,
                    RawPeer.command(Commands.C_STORE_RQ, 2, "1.2.840.10008.5.1.4.1.1.2", "1.2.3.1.1.5", true));
            p.pdv(1, false, true, dataset("1.2.3.1.1.5"));
            assertThat(p.readCommand().us(Commands.STATUS)).isEqualTo(0xA900);
            assertThat(p.echo()).isTrue();
        }
        assertThat(stored).isEmpty();
        assertThat(spoolFiles()).isZero();
    }

    @Test
    void aRegistrationRefusalOrFailureIsNeverAnsweredSuccess() throws Exception {
        List<java.util.Map<String, java.util.Map<String, Integer>>> audited = new CopyOnWriteArrayList<>();
        server.tellingTo(new AssociationEvents() {
            @Override
            public void received(
                    String callingAe,
                    java.net.InetAddress peer,
                    String certificate,
                    java.util.Map<String, java.util.Map<String, Integer>> counted) {
                audited.add(counted);
            }

            @Override
            public void refused(String callingAe, java.net.InetAddress peer, String why) {}
        });
        try (RawPeer p = peer()) {
            p.associate();
            registrationFailure = new InvalidDicomException(
                    "SOP Instance UID already received in another series",
                    InvalidDicomException.Kind.IDENTITY_CONFLICT);
            assertThat(store(p, "1.2.3.1.1.6", dataset("1.2.3.1.1.6"))).isEqualTo(0xC000);
            registrationFailure = new org.srinode.spool.RegistrationFailedException(
                    "registering failed", new IllegalStateException("database error: lock timeout"));
            assertThat(store(p, "1.2.3.1.1.7", dataset("1.2.3.1.1.7"))).isEqualTo(0xA700);
            registrationFailure = new InvalidDicomException(
                    "the node is checking other large instances now", InvalidDicomException.Kind.OUT_OF_RESOURCES);
            assertThat(store(p, "1.2.3.1.1.11", dataset("1.2.3.1.1.11"))).isEqualTo(0xA700);
            // the node's own output sent back: success, and the copy received does not stay in the spool
            registrationFailure = new IllegalStateException(
                    "route failed", new org.srinode.dicom.AlreadyHeldException("this node's own output"));
            assertThat(store(p, "1.2.3.1.1.10", dataset("1.2.3.1.1.10"))).isEqualTo(0x0000);
        }
        assertThat(spoolFiles())
                .as("refused instances and copies of the node's own output leave the spool")
                .isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> !audited.isEmpty());
        assertThat(audited.get(0))
                .as("the audit counts what was answered success: the held instance, not the refused ones")
                .isEqualTo(java.util.Map.of("1.2.3.1", java.util.Map.of(RawPeer.MR, 1)));
    }

    /** C-STORE of an MR instance with the given Instance Number: one SOP Instance UID, other content. */
    private int storeNumbered(RawPeer p, String sop, int instanceNumber) throws IOException {
        return store(
                p,
                sop,
                TestPart10.mr(sop)
                        .str(0x00200013, "IS", Integer.toString(instanceNumber))
                        .pixels(4, 4, 32)
                        .dataset());
    }

    @Test
    void aReSentInstanceWhoseRegistrationFailsLeavesTheEarlierCopyAsItWas() throws Exception {
        String sop = "1.2.3.1.1.12";
        try (RawPeer p = peer()) {
            p.associate();
            assertThat(storeNumbered(p, sop, 1)).isZero();
            Path first = stored.get(0).path();
            byte[] held = Files.readAllBytes(first);
            // the same SOP Instance UID with other content; its registration fails (rolled back): refused, and the
            // copy the node holds and registered, file and all, is the first one still
            registrationFailure = new org.srinode.spool.RegistrationFailedException(
                    "registering failed", new IllegalStateException("database error: lock timeout"));
            assertThat(storeNumbered(p, sop, 2)).isEqualTo(0xA700);
            assertThat(Files.readAllBytes(first))
                    .as("a refused re-send must not change the registered copy")
                    .isEqualTo(held);
            assertThat(spoolFiles()).isEqualTo(1);
            // its registration's outcome unknown (the database could not say whether it committed, or a step of the
            // route after the registration failed): refused so that it is sent again, and its file stays for start-up
            // recovery (a row may name it), the first copy untouched too
            registrationFailure = new IllegalStateException(
                    "route failed",
                    new org.srinode.spool.RegistrationUnknownException(
                            "lost at COMMIT", new IllegalStateException("connection reset")));
            assertThat(storeNumbered(p, sop, 3)).isEqualTo(0xA700);
            assertThat(Files.readAllBytes(first)).isEqualTo(held);
            assertThat(spoolFiles()).isEqualTo(2);
        }
    }

    @Test
    void aPeerThatStopsReadingOrTricklesAPduLosesItsAssociation() throws Exception {
        // idle timeout 5 s here: each single read below finishes well within it, so only the stall watch can act
        try (RawPeer p = peer()) {
            p.associate();
            byte[] header = {Pdus.P_DATA, 0, 0, 0, 0, 100};
            p.raw(header);
            long t0 = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < 60 && !closed; i++) { // a byte every 200 ms, for up to 12 s
                Thread.sleep(200);
                try {
                    p.raw(new byte[] {0});
                } catch (IOException e) {
                    closed = true;
                }
            }
            assertThat(closed).as("a PDU trickling in is cut").isTrue();
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(9000); // 5 s, checked once a second
        }
        // a peer that sends C-ECHO-RQ after C-ECHO-RQ and never reads the responses: the node's write blocks
        RawPeer stalled = new RawPeer(server.localPort(), 4096);
        stalled.associate();
        java.util.concurrent.CompletableFuture<Long> sender = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            byte[] echo = RawPeer.command(Commands.C_ECHO_RQ, 7, RawPeer.VERIFICATION, null, false);
            for (long n = 0; ; n++) {
                try {
                    stalled.pdv(3, true, true, echo);
                } catch (IOException e) {
                    return n; // the node closed the connection
                }
            }
        });
        assertThat(sender.get(30, java.util.concurrent.TimeUnit.SECONDS))
                .as("requests sent before the node gave up")
                .isPositive();
        stalled.socket.close();
        try (RawPeer p = peer()) {
            assertThat(p.associate()).isEqualTo(Pdus.ASSOCIATE_AC);
            assertThat(p.echo()).as("the node still serves").isTrue();
        }
    }

    @Test
    void unknownCommandsAreAnsweredUnrecognizedOperation() throws Exception {
        try (RawPeer p = peer()) {
            p.associate();
            p.pdv(1, true, true, RawPeer.command(0x0020, 5, RawPeer.MR, null, true)); // C-FIND-RQ with an identifier
            p.pdv(1, false, true, new byte[8]);
            Commands rsp = p.readCommand();
            assertThat(rsp.us(Commands.STATUS)).isEqualTo(0x0211);
            assertThat(rsp.us(Commands.COMMAND_FIELD)).isEqualTo(0x8020);
            assertThat(rsp.us(Commands.MESSAGE_ID_RESPONDED)).isEqualTo(5);
            p.pdv(
                    1,
                    true,
                    true,
                    RawPeer.command(0x0150, 6, RawPeer.MR, null, false)); // not a DIMSE command field at all
            assertThat(p.readCommand().us(Commands.STATUS)).isEqualTo(0x0211);
            assertThat(p.echo()).isTrue();
        }
    }

    @Test
    void overlappingMessagesAndReleaseInsideADataSetAbortAndLeaveNoPartialFile() throws Exception {
        try (RawPeer p = peer()) {
            p.associate();
            byte[] data = dataset("1.2.3.1.1.8");
            p.pdv(1, true, true, RawPeer.command(Commands.C_STORE_RQ, 1, RawPeer.MR, "1.2.3.1.1.8", true));
            p.pdv(1, false, false, java.util.Arrays.copyOf(data, 40));
            p.pdv(1, true, true, RawPeer.command(Commands.C_STORE_RQ, 2, RawPeer.MR, "1.2.3.1.1.9", true));
            assertAbort(p.read(), 0, 0);
        }
        try (RawPeer p = peer()) {
            p.associate();
            p.pdv(1, true, true, RawPeer.command(Commands.C_STORE_RQ, 1, RawPeer.MR, "1.2.3.1.1.8", true));
            p.pdv(1, false, false, new byte[40]);
            p.pdu(Pdus.RELEASE_RQ, new byte[4]);
            assertAbort(p.read(), 0, 0);
        }
        try (RawPeer p = peer()) {
            p.associate();
            byte[] fragment = new byte[8000];
            for (int i = 0; i < 10; i++) {
                p.pdv(1, true, false, fragment); // 80 KB of command fragments
            }
            assertAbort(p.read(), 0, 0);
        }
        // the association's clean-up runs after the abort: wait until the partial file is gone
        await().atMost(Duration.ofSeconds(10)).until(() -> spoolFiles() == 0);
        assertThat(stored).isEmpty();
    }

    /** PS3.8 D.1: no P-DATA-TF the node sends is longer than the peer's Maximum Length Received. */
    @Test
    void responsesAreFragmentedToThePeersMaximumLength() throws Exception {
        try (RawPeer p = peer()) {
            p.pdu(
                    Pdus.ASSOCIATE_RQ,
                    RawPeer.associateRq(
                            1, "RAW", 16, new String[] {RawPeer.MR, RawPeer.VERIFICATION}, RawPeer.EXPLICIT_LE));
            assertThat(p.read().type()).isEqualTo(Pdus.ASSOCIATE_AC);
            p.pdv(3, true, true, RawPeer.command(Commands.C_ECHO_RQ, 7, RawPeer.VERIFICATION, null, false));
            ByteArrayOutputStream command = new ByteArrayOutputStream();
            int pdus = 0;
            boolean last = false;
            while (!last) {
                Pdus.Pdu pdu = p.read();
                assertThat(pdu.type()).isEqualTo(Pdus.P_DATA);
                assertThat(pdu.body().length).as("P-DATA-TF variable field").isLessThanOrEqualTo(16);
                int header = pdu.body()[5];
                assertThat(header & 1).as("a command fragment").isEqualTo(1);
                last = (header & 2) != 0;
                command.write(pdu.body(), 6, pdu.body().length - 6);
                pdus++;
            }
            assertThat(pdus).isGreaterThan(1);
            Commands rsp = Commands.parse(command.toByteArray());
            assertThat(rsp.us(Commands.STATUS)).isZero();
        }
        try (RawPeer p = peer()) {
            // 6 bytes leave no room for a PDV: the association is rejected, not answered with PDUs the peer cannot take
            p.pdu(Pdus.ASSOCIATE_RQ, RawPeer.associateRq(1, "RAW", 6, new String[] {RawPeer.MR}, RawPeer.EXPLICIT_LE));
            Pdus.Pdu rj = p.read();
            assertThat(rj.type()).isEqualTo(Pdus.ASSOCIATE_RJ);
            assertThat(rj.body()).containsExactly(0, 1, 1, 1); // permanent, service user, no reason given
        }
    }

    @Test
    void malformedAssociationRequestsAreAbortedOrRejectedWithTheirReason() throws Exception {
        byte[] rq = RawPeer.associateRq(1, "RAW", new String[] {RawPeer.MR}, RawPeer.EXPLICIT_LE);
        rq[68 + 4 + 21 + 2] = (byte) 0x7F; // the presentation context item's length now lies
        try (RawPeer p = peer()) {
            p.pdu(Pdus.ASSOCIATE_RQ, rq);
            assertAbort(p.read(), 2, 6);
        }
        try (RawPeer p = peer()) {
            p.pdu(Pdus.ASSOCIATE_RQ, RawPeer.associateRq(2, "RAW", new String[] {RawPeer.MR}, RawPeer.EXPLICIT_LE));
            Pdus.Pdu rj = p.read();
            assertThat(rj.type()).isEqualTo(Pdus.ASSOCIATE_RJ);
            assertThat(rj.body())
                    .containsExactly(0, 1, 2, 2); // permanent, ACSE provider, protocol version not supported
        }
        try (RawPeer p = peer()) {
            p.pdu(Pdus.P_DATA, new byte[10]);
            assertAbort(p.read(), 2, 2);
        }
        // two presentation contexts with one ID (PS3.8 9.3.2.2): the node and the peer could read a P-DATA's context
        // differently
        byte[] twice = RawPeer.associateRq(1, "RAW", new String[] {RawPeer.MR, RawPeer.MR}, RawPeer.EXPLICIT_LE);
        int first = 68 + 4 + 21;
        int second = first + 4 + (((twice[first + 2] & 0xff) << 8) | (twice[first + 3] & 0xff));
        assertThat(twice[second]).isEqualTo((byte) 0x20);
        twice[second + 4] = 1;
        try (RawPeer p = peer()) {
            p.pdu(Pdus.ASSOCIATE_RQ, twice);
            assertAbort(p.read(), 2, 6);
        }
        try (RawPeer p = peer()) {
            assertThat(p.associate()).as("the node still serves").isEqualTo(Pdus.ASSOCIATE_AC);
        }
    }

    @Test
    void anAssociationRequestOfAnyLegalSizeIsAccepted() throws Exception {
        String[] abstracts = new String[128];
        java.util.Arrays.fill(abstracts, RawPeer.MR);
        String[] ts = new String[25];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = "1.2.840.10008.1.2.4." + (1000 + i);
        }
        ts[24] = RawPeer.EXPLICIT_LE;
        byte[] rq = RawPeer.associateRq(1, "RAW", abstracts, ts);
        assertThat(rq.length).isGreaterThan(65536);
        try (RawPeer p = peer()) {
            p.pdu(Pdus.ASSOCIATE_RQ, rq);
            assertThat(p.read().type()).isEqualTo(Pdus.ASSOCIATE_AC);
            assertThat(store(p, "1.2.3.1.1.10", dataset("1.2.3.1.1.10"))).isZero();
        }
    }

    @Test
    void slowAndSilentConnectionsNeitherBlockOthersNorCostAThreadEach() throws Exception {
        int threadsBefore = Thread.activeCount();
        List<Socket> idle = new ArrayList<>();
        List<Socket> dribbling = new ArrayList<>();
        try {
            for (int i = 0; i < 2000; i++) {
                idle.add(new Socket("127.0.0.1", server.localPort()));
            }
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket("127.0.0.1", server.localPort());
                s.getOutputStream().write(Pdus.ASSOCIATE_RQ); // then one byte now and then, never a whole request
                dribbling.add(s);
            }
            Thread.sleep(300);
            for (Socket s : dribbling) {
                s.getOutputStream().write(0);
            }
            assertThat(Thread.activeCount() - threadsBefore)
                    .as("threads for 2016 connections")
                    .isLessThan(50);
            try (RawPeer p = peer()) {
                assertThat(p.associate()).isEqualTo(Pdus.ASSOCIATE_AC);
                assertThat(p.echo()).isTrue();
            }
            // after ARTIM the silent connections are closed by the node: the read waits for that close
            idle.get(0).setSoTimeout(10_000);
            assertThat(idle.get(0).getInputStream().read()).isEqualTo(-1);
        } finally {
            for (Socket s : idle) {
                s.close();
            }
            for (Socket s : dribbling) {
                s.close();
            }
        }
    }

    @Test
    void beyondTheAssociationLimitTheNodeRejectsTransiently() throws Exception {
        List<RawPeer> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                RawPeer p = peer();
                assertThat(p.associate()).isEqualTo(Pdus.ASSOCIATE_AC);
                open.add(p);
            }
            try (RawPeer p = peer()) {
                p.pdu(Pdus.ASSOCIATE_RQ, RawPeer.associateRq(1, "RAW", new String[] {RawPeer.MR}, RawPeer.EXPLICIT_LE));
                Pdus.Pdu rj = p.read();
                assertThat(rj.type()).isEqualTo(Pdus.ASSOCIATE_RJ);
                assertThat(rj.body())
                        .containsExactly(0, 2, 3, 2); // transient, presentation provider, local limit exceeded
            }
        } finally {
            for (RawPeer p : open) {
                p.close();
            }
        }
    }

    @Test
    void peersThatReleaseButNeverCloseDoNotHoldTheWorkers() throws Exception {
        // ARTIM of 30 s: a worker that waited for each peer's close in Sta13 would keep its slot that long
        ScpSettings s = new ScpSettings("SRI_NODE", 0, "127.0.0.1", Set.of(), 4, 16384, 5000, 30_000, 4096);
        try (ScpServer slowClosers =
                new ScpServer(s, new Spool(dir.resolve("other"), 0), (inst, ae) -> stored.add(inst))) {
            slowClosers.start();
            List<RawPeer> lingering = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    RawPeer p = new RawPeer(slowClosers.localPort());
                    assertThat(p.associate()).isEqualTo(Pdus.ASSOCIATE_AC);
                    p.pdu(Pdus.RELEASE_RQ, new byte[4]);
                    assertThat(p.read().type()).isEqualTo(Pdus.RELEASE_RP);
                    lingering.add(p); // released, socket kept open
                }
                for (int i = 0; i < 4; i++) {
                    try (RawPeer p = new RawPeer(slowClosers.localPort())) {
                        assertThat(p.associate())
                                .as("association %d after 4 lingering peers", i)
                                .isEqualTo(Pdus.ASSOCIATE_AC);
                        assertThat(store(p, "1.2.3.1.1.7" + i, dataset("1.2.3.1.1.7" + i)))
                                .isZero();
                    }
                }
            } finally {
                for (RawPeer p : lingering) {
                    p.close();
                }
            }
        }
    }

    private static void assertAbort(Pdus.Pdu pdu, int source, int reason) {
        assertThat(pdu.type()).as("A-ABORT expected").isEqualTo(Pdus.ABORT);
        assertThat(pdu.body()[2]).as("source").isEqualTo((byte) source);
        assertThat(pdu.body()[3]).as("reason").isEqualTo((byte) reason);
    }
}
