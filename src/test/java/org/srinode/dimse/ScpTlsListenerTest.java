package org.srinode.dimse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.spool.Spool;
import org.srinode.tls.TestKeys;

/** The TLS listener against slow peers (issue 12 review): ARTIM bounds the handshake too, and one address cannot fill the pool. */
class ScpTlsListenerTest {
    @TempDir
    Path dir;

    private SSLContext selfSigned() throws Exception {
        return TestKeys.context(TestKeys.keyPair(dir, "node", "CN=127.0.0.1", null), null);
    }

    /** True when the server closed the connection: a read gives end of stream or an error. */
    private static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(200);
            return s.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    @Test
    void aTlsPeerThatStopsReadingIsClosedAndTheNodeStillServes() throws Exception {
        // closing a TLS socket while a write is blocked waits for the write's lock unless SO_LINGER is 0: the watch
        // must
        // not hang on it (its one timer thread serves every association)
        java.security.KeyStore node = TestKeys.keyPair(dir, "node", "CN=127.0.0.1", "ip:127.0.0.1");
        ScpSettings settings = new ScpSettings("SRI_NODE", -1, "127.0.0.1", Set.of(), 4, 16384, 5000, 1000, 64);
        try (ScpServer server = new ScpServer(settings, new Spool(dir.resolve("spool"), 0), (i, ae) -> {})
                .withTls(TestKeys.context(node, null), 0, false)) {
            server.start();
            javax.net.ssl.SSLSocketFactory client =
                    TestKeys.context(null, TestKeys.trusting(node)).getSocketFactory();
            for (int round = 0; round < 2; round++) { // the second round needs a timer that the first did not hang
                javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) client.createSocket();
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", server.tlsLocalPort()));
                s.setSoTimeout(15000);
                OutputStream out = s.getOutputStream();
                Pdus.write(
                        out,
                        Pdus.ASSOCIATE_RQ,
                        RawPeer.associateRq(
                                1, "RAW", new String[] {RawPeer.MR, RawPeer.VERIFICATION}, RawPeer.EXPLICIT_LE));
                assertThat(Pdus.readAssociateReply(s.getInputStream(), 1 << 20).type())
                        .isEqualTo(Pdus.ASSOCIATE_AC);
                byte[] echo = RawPeer.command(Commands.C_ECHO_RQ, 7, RawPeer.VERIFICATION, null, false);
                java.io.ByteArrayOutputStream pdv = new java.io.ByteArrayOutputStream();
                pdv.writeBytes(new byte[] {0, 0, 0, (byte) (echo.length + 2), 3, 3});
                pdv.writeBytes(echo);
                byte[] body = pdv.toByteArray();
                java.util.concurrent.CompletableFuture<Long> sender =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            for (long n = 0; ; n++) {
                                try {
                                    Pdus.write(out, Pdus.P_DATA, body);
                                } catch (java.io.IOException e) {
                                    return n;
                                }
                            }
                        });
                assertThat(sender.get(30, java.util.concurrent.TimeUnit.SECONDS))
                        .as("round " + round + ": requests sent before the node gave up")
                        .isPositive();
                s.close();
            }
            assertThat(server.isBound()).isTrue();
        }
    }

    @Test
    void aPeerThatTricklesItsHandshakeIsClosedAtArtimAndOneAddressHasABoundedNumberPending() throws Exception {
        ScpSettings settings = new ScpSettings("SRI_NODE", -1, "127.0.0.1", Set.of(), 4, 16384, 5000, 1000, 64);
        try (ScpServer server = new ScpServer(settings, new Spool(dir.resolve("spool"), 0), (i, ae) -> {})
                .withTls(selfSigned(), 0, false)) {
            server.start();
            int port = server.tlsLocalPort();
            List<Socket> slow = new ArrayList<>();
            for (int i = 0; i < ScpTlsListener.MAX_PENDING_PER_ADDRESS; i++) {
                slow.add(new Socket("127.0.0.1", port));
            }
            Thread.sleep(200);
            try (Socket fifth = new Socket("127.0.0.1", port)) {
                assertThat(closedByServer(fifth))
                        .as("one pending handshake more than the limit from the same address")
                        .isTrue();
            }
            // a TLS record header, then one byte every 300 ms: each read is well within the 1 s ARTIM, the whole is not
            byte[] hello = {0x16, 0x03, 0x01, 0x00, (byte) 0xc8, 0x01, 0x00, 0x00, (byte) 0xc4, 0x03, 0x03};
            long start = System.nanoTime();
            boolean allClosed = false;
            for (int b = 0; b < 20 && !allClosed; b++) {
                allClosed = true;
                for (Socket s : slow) {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write(hello[Math.min(b, hello.length - 1)]);
                        out.flush();
                        allClosed = false;
                    } catch (java.io.IOException closed) {
                        // closed by the server
                    }
                }
                Thread.sleep(300);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            for (Socket s : slow) {
                assertThat(closedByServer(s)).isTrue();
                s.close();
            }
            assertThat(ms)
                    .as("closed by ARTIM (1 s), not held while bytes trickle in")
                    .isLessThan(4000);
            assertThat(server.isBound()).isTrue();
        }
    }
}
