package org.srinode.dimse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.dicom.Part10;
import org.srinode.dicom.TestPart10;
import org.srinode.spool.Spool;
import org.srinode.spool.SpooledInstance;
import org.srinode.tls.TestKeys;

/**
 * The node's own Storage SCU against the node's SCP (issue 12: an SCU that can speak TLS): data sets leave byte for
 * byte as stored, in two transfer syntaxes over one association, fragmented to the peer's Maximum Length Receive;
 * refusals and failure statuses are reported with their reason; TLS with the BCP 195 profile, with the peer's
 * certificate checked against the trusted one and against the host name.
 */
class StoreScuTest {
    @TempDir
    Path dir;

    private final List<SpooledInstance> stored = new CopyOnWriteArrayList<>();

    private ScpServer server(Set<String> allowed, boolean failEveryStore) throws IOException {
        return server(allowed, failEveryStore, 16384);
    }

    /** The node's SCP on a free port; {@code maxPdu} is its Maximum Length Received, enforced on every PDU it reads. */
    private ScpServer server(Set<String> allowed, boolean failEveryStore, int maxPdu) throws IOException {
        ScpSettings s = new ScpSettings("SRI_NODE", 0, "127.0.0.1", allowed, 4, maxPdu, 5000, 1000, 64);
        return new ScpServer(s, new Spool(dir.resolve("spool"), 0), (inst, ae) -> {
            if (failEveryStore) {
                throw new IOException("disk on fire");
            }
            stored.add(inst);
        });
    }

    private static StoreScu.Settings plain(int port, String callingAe) {
        return new StoreScu.Settings("127.0.0.1", port, "SRI_NODE", callingAe, null, true, 5000, 5000);
    }

    /** Three instances: two explicit VR little endian (one of 32 KiB pixel data, more than two PDUs), one implicit. */
    private List<Path> files() throws IOException {
        Path a = TestPart10.mr("1.2.3.9.1")
                .pixels(128, 128, 32768)
                .write(dir.resolve("out/a.dcm"), TestPart10.MR, "1.2.3.9.1");
        Path b =
                TestPart10.mr("1.2.3.9.2").pixels(4, 4, 32).write(dir.resolve("out/b.dcm"), TestPart10.MR, "1.2.3.9.2");
        TestPart10 implicit = new TestPart10("1.2.840.10008.1.2");
        byte[] same = TestPart10.mr("1.2.3.9.3").pixels(4, 4, 32).dataset();
        Path c = implicit.raw(implicitOf(same)).write(dir.resolve("out/c.dcm"), TestPart10.MR, "1.2.3.9.3");
        return List.of(a, b, c);
    }

    /** The explicit VR data set re-encoded as implicit VR (every element here has a 2-byte length). */
    private static byte[] implicitOf(byte[] explicit) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int p = 0;
        while (p < explicit.length) {
            String vr = new String(explicit, p + 4, 2, java.nio.charset.StandardCharsets.US_ASCII);
            long len;
            int header;
            if (vr.equals("OW") || vr.equals("OB")) {
                len = (explicit[p + 8] & 0xffL)
                        | (explicit[p + 9] & 0xffL) << 8
                        | (explicit[p + 10] & 0xffL) << 16
                        | (explicit[p + 11] & 0xffL) << 24;
                header = 12;
            } else {
                len = (explicit[p + 6] & 0xff) | (explicit[p + 7] & 0xff) << 8;
                header = 8;
            }
            out.write(explicit, p, 4);
            out.writeBytes(new byte[] {(byte) len, (byte) (len >> 8), (byte) (len >> 16), (byte) (len >> 24)});
            out.write(explicit, p + header, (int) len);
            p += header + (int) len;
        }
        return out.toByteArray();
    }

    private static byte[] datasetOf(Path file) throws Exception {
        Part10.FileMeta meta = Part10.readMeta(file);
        byte[] all = Files.readAllBytes(file);
        return Arrays.copyOfRange(all, (int) meta.datasetOffset(), all.length);
    }

    @Test
    void everyInstanceArrivesAsStoredInItsOwnTransferSyntax() throws Exception {
        List<Path> files = files();
        try (ScpServer server = server(Set.of(), false)) {
            server.start();
            assertThat(StoreScu.send(plain(server.localPort(), "SENDER"), files))
                    .isEqualTo(3);
        }
        assertThat(stored).hasSize(3);
        for (Path f : files) {
            Part10.FileMeta sent = Part10.readMeta(f);
            SpooledInstance got = stored.stream()
                    .filter(i -> i.header().sopInstanceUid().equals(sent.sopInstanceUid()))
                    .findFirst()
                    .orElseThrow();
            assertThat(Part10.readMeta(got.path()).transferSyntaxUid()).isEqualTo(sent.transferSyntaxUid());
            assertThat(datasetOf(got.path())).as(f.toString()).isEqualTo(datasetOf(f));
        }
    }

    /** PS3.8 D.1: a peer that takes 64-byte PDUs gets the C-STORE-RQ command sets in fragments too, not only the data. */
    @Test
    void commandSetsAreFragmentedToThePeersMaximumLength() throws Exception {
        List<Path> files = files();
        try (ScpServer server = server(Set.of(), false, 64)) {
            server.start();
            assertThat(StoreScu.send(plain(server.localPort(), "SENDER"), files))
                    .isEqualTo(3);
        }
        assertThat(stored).hasSize(3);
    }

    @Test
    void refusalsAndFailureStatusesSayWhy() throws Exception {
        List<Path> files = files();
        try (ScpServer server = server(Set.of("MODALITY"), false)) {
            server.start();
            assertThatThrownBy(() -> StoreScu.send(plain(server.localPort(), "SENDER"), files))
                    .isInstanceOf(DimseTransferException.class)
                    .hasMessageContaining("0 of 3 acknowledged")
                    .hasMessageContaining("calling AE title not recognized");
        }
        try (ScpServer server = server(Set.of(), true)) {
            server.start();
            assertThatThrownBy(() -> StoreScu.send(plain(server.localPort(), "SENDER"), files))
                    .isInstanceOf(DimseTransferException.class)
                    .hasMessageContaining("0 of 3 acknowledged")
                    .hasMessageContaining("1.2.3.9.1: status 0xA700");
        }
        int closed = Ports.closed();
        assertThatThrownBy(() -> StoreScu.send(plain(closed, "SENDER"), files))
                .isInstanceOf(DimseTransferException.class)
                .hasMessageContaining("association with SRI_NODE@127.0.0.1:" + closed + " failed");
        assertThatThrownBy(() -> StoreScu.send(plain(closed, "SENDER"), List.of(dir.resolve("gone.dcm"))))
                .hasMessageContaining("missing");
    }

    /** What a scripted peer does once it has accepted the association. */
    @FunctionalInterface
    private interface AfterAccept {
        void run(java.net.Socket socket) throws Exception;
    }

    /** A daemon thread that accepts one association on {@code server} as {@code ae}, then does {@code then}. */
    private static Thread acceptingPeer(java.net.ServerSocket server, String ae, AfterAccept then) {
        Thread peer = new Thread(() -> {
            try (java.net.Socket s = server.accept()) {
                java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                in.readUnsignedByte();
                in.readUnsignedByte();
                byte[] body = new byte[in.readInt()];
                in.readFully(body);
                AssociateRequest rq = AssociateRequest.parse(body);
                Pdus.write(s.getOutputStream(), Pdus.ASSOCIATE_AC, rq.acceptBody(rq.negotiate(), 16384, "1.2.3", ae));
                then.run(s);
            } catch (Exception ignored) {
                // the client gave up and closed: done
            }
        });
        peer.setDaemon(true);
        peer.start();
        return peer;
    }

    @Test
    void aPeerThatStopsReadingIsAbandonedAfterTheTimeoutAndAnEmptyDataSetIsNotSent() throws Exception {
        // 32 MiB of pixel data: more than loopback socket buffers hold, so the write blocks once the peer stops reading
        Path big = TestPart10.mr("1.2.3.9.7")
                .pixels(4096, 4096, 32 << 20)
                .write(dir.resolve("big/big.dcm"), TestPart10.MR, "1.2.3.9.7");
        try (java.net.ServerSocket server =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread peer = acceptingPeer(server, "STALLED", socket -> Thread.sleep(60_000)); // then never reads again
            long t0 = System.nanoTime();
            StoreScu.Settings s = new StoreScu.Settings(
                    "127.0.0.1", server.getLocalPort(), "SRI_NODE", "SENDER", null, true, 5000, 2000);
            assertThatThrownBy(() -> StoreScu.send(s, List.of(big)))
                    .isInstanceOf(DimseTransferException.class)
                    .hasMessageContaining(
                            "no progress with SRI_NODE@127.0.0.1:" + server.getLocalPort() + " within 2000 ms");
            assertThat((System.nanoTime() - t0) / 1e9)
                    .as("seconds until the stalled peer is given up")
                    .isLessThan(15);
            peer.interrupt();
        }
        Path empty =
                new TestPart10("1.2.840.10008.1.2.1").write(dir.resolve("empty/e.dcm"), TestPart10.MR, "1.2.3.9.8");
        assertThatThrownBy(() -> StoreScu.send(plain(1, "SENDER"), List.of(empty)))
                .hasMessageContaining("no data set");
    }

    /** A 4x4 MR instance in a folder of its own. */
    private Path small(String sop) throws IOException {
        return TestPart10.mr(sop).pixels(4, 4, 32).write(dir.resolve(sop).resolve("i.dcm"), TestPart10.MR, sop);
    }

    private static java.net.ServerSocket loopbackServer() throws IOException {
        return new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    }

    /** Sends {@code file} to 127.0.0.1:{@code port} on a daemon thread, response timeout 2 s: its count of acknowledged. */
    private static java.util.concurrent.Future<Integer> sendInBackground(int port, Path file) {
        StoreScu.Settings s = new StoreScu.Settings("127.0.0.1", port, "SRI_NODE", "SENDER", null, true, 5000, 2000);
        return java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "background-send");
                    t.setDaemon(true);
                    return t;
                })
                .submit(() -> StoreScu.send(s, List.of(file)));
    }

    @Test
    void aPeerThatTricklesItsResponseIsAbandonedAfterTheTimeout() throws Exception {
        Path file = small("1.2.3.9.9");
        try (java.net.ServerSocket server = loopbackServer()) {
            // the "response": a P-DATA-TF every 300 ms, each with one empty command fragment, never the last
            Thread peer = acceptingPeer(server, "TRICKLE", socket -> {
                while (true) {
                    Pdus.write(socket.getOutputStream(), Pdus.P_DATA, new byte[] {0, 0, 0, 2, 1, 0x01});
                    Thread.sleep(300);
                }
            });
            java.util.concurrent.Future<Integer> send = sendInBackground(server.getLocalPort(), file);
            // each PDU comes well within the 2 s socket timeout: before the watch covered replies, this never ended
            assertThatThrownBy(() -> send.get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isInstanceOf(java.util.concurrent.ExecutionException.class)
                    .cause()
                    .isInstanceOf(DimseTransferException.class)
                    .hasMessageContaining("within 2000 ms (the C-STORE-RSP took more than 2000 ms to arrive)");
            peer.interrupt();
        }
    }

    @Test
    void aPeerThatTricklesItsReleaseReplyDoesNotHoldTheSender() throws Exception {
        Path file = small("1.2.3.9.10");
        try (java.net.ServerSocket server = loopbackServer()) {
            Thread peer = acceptingPeer(server, "TRICKLE", socket -> {
                java.io.InputStream in = socket.getInputStream();
                boolean lastDataFragment = false;
                while (!lastDataFragment) { // the C-STORE-RQ: command, then the data set's fragments
                    byte[] b = Pdus.read(in, 1 << 20).body();
                    for (int p = 0; p + 6 <= b.length; p += 4 + (int) Pdus.u32(b, p)) {
                        lastDataFragment |= (b[p + 5] & 0x03) == 0x02;
                    }
                }
                Pdus.writeCommand(
                        socket.getOutputStream(),
                        1,
                        Commands.storeResponse(1, TestPart10.MR, "1.2.3.9.10", 0x0000, null),
                        16384);
                Pdus.read(in, 1 << 20); // A-RELEASE-RQ; the "reply": a P-DATA-TF of 64 KiB, a byte every 300 ms
                java.io.OutputStream out = socket.getOutputStream();
                out.write(new byte[] {0x04, 0, 0, 1, 0, 0});
                while (true) {
                    out.write(0);
                    out.flush();
                    Thread.sleep(300);
                }
            });
            java.util.concurrent.Future<Integer> send = sendInBackground(server.getLocalPort(), file);
            // every PDU within the release's 10 s read timeout: before the watch covered the release, this never ended
            assertThat(send.get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .as("instances acknowledged")
                    .isEqualTo(1);
            peer.interrupt();
        }
    }

    @Test
    void tlsChecksTheCertificateAndTheHostName() throws Exception {
        KeyStore node = TestKeys.keyPair(dir, "node", "CN=sri-node test", "ip:127.0.0.1");
        KeyStore wrongName = TestKeys.keyPair(dir, "wrong", "CN=127.0.0.1", "dns:pacs.elsewhere.test");
        List<Path> files = files();
        for (KeyStore serverKey : List.of(node, wrongName)) {
            try (ScpServer server = server(Set.of(), false).withTls(TestKeys.context(serverKey, null), 0, false)) {
                server.start();
                int port = server.tlsLocalPort();
                StoreScu.Settings trusting = new StoreScu.Settings(
                        "127.0.0.1", port, "SRI_NODE", "SENDER", TestKeys.context(null, serverKey), true, 5000, 5000);
                if (serverKey == node) {
                    assertThat(StoreScu.send(trusting, files)).isEqualTo(3);
                    // the JDK's default trust store does not know a self-signed certificate
                    StoreScu.Settings defaultTrust = new StoreScu.Settings(
                            "127.0.0.1", port, "SRI_NODE", "SENDER", SSLContext.getDefault(), true, 5000, 5000);
                    assertThatThrownBy(() -> StoreScu.send(defaultTrust, files))
                            .hasMessageContaining("TLS with SRI_NODE@127.0.0.1:" + port);
                } else {
                    assertThatThrownBy(() -> StoreScu.send(trusting, files))
                            .hasMessageContaining("TLS with")
                            .hasMessageContaining("127.0.0.1");
                    StoreScu.Settings noNameCheck = new StoreScu.Settings(
                            "127.0.0.1",
                            port,
                            "SRI_NODE",
                            "SENDER",
                            TestKeys.context(null, serverKey),
                            false,
                            5000,
                            5000);
                    assertThat(StoreScu.send(noNameCheck, files)).isEqualTo(3);
                }
            }
        }
        assertThat(stored).hasSize(6);
    }

    @Test
    void hostileAnswersToTheAssociationRequestFailTheSendWithTheReason() throws Exception {
        List<Path> files = files();
        record Answer(byte[] bytes, String expected) {}
        List<Answer> answers = List.of(
                new Answer(
                        new byte[] {0x07, 0, 0, 0, 0, 4, 0, 0, 2, 0},
                        "aborted the association request (source 2, reason 0)"),
                new Answer(new byte[] {0x03, 0, 0, 0, 0, 4, 0, 2, 1, 3}, "transient, calling AE title not recognized"),
                // an A-ASSOCIATE-RJ that claims 4 GB: refused from its header, nothing allocated or read
                new Answer(
                        new byte[] {0x03, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0},
                        "PDU type 3 with length 4294967280"),
                new Answer(new byte[] {0x04, 0, 0, 0, 0, 0}, "PDU type 4 in answer to an A-ASSOCIATE-RQ"),
                new Answer(new byte[0], "instead of answering the A-ASSOCIATE-RQ"));
        for (Answer a : answers) {
            try (java.net.ServerSocket peer =
                    new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                Thread t = new Thread(() -> {
                    try (java.net.Socket c = peer.accept()) {
                        c.getInputStream().read(new byte[6]); // the start of the A-ASSOCIATE-RQ
                        c.getOutputStream().write(a.bytes());
                        c.getOutputStream().flush();
                        c.shutdownOutput();
                        c.getInputStream().readAllBytes(); // until the node closes (or aborts)
                    } catch (IOException ignored) {
                        // the node may reset the connection
                    }
                });
                t.start();
                assertThatThrownBy(() -> StoreScu.send(plain(peer.getLocalPort(), "SENDER"), files))
                        .isInstanceOf(DimseTransferException.class)
                        .hasMessageContaining("0 of 3 acknowledged")
                        .hasMessageContaining(a.expected());
                t.join(10000);
            }
        }
    }

    /** A loopback port nobody listens on. */
    private static final class Ports {
        static int closed() throws IOException {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }
    }
}
