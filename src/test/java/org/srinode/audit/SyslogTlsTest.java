package org.srinode.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.tls.TestKeys;

/**
 * The audit trail's syslog over TLS against repositories that misbehave on purpose: one that trickles its part of the
 * TLS handshake, one that completes the handshake and then never reads. Neither may hold the audit sender for ever.
 */
class SyslogTlsTest {
    @TempDir
    Path dir;

    /**
     * A repository that answers the ClientHello with the header of a 16 KiB handshake record and then one byte of it
     * every 200 ms: each read finishes within the 1 s read timeout, so only the handshake deadline ends it (before it,
     * the connection attempt waited the whole 80 s of the record).
     */
    @Test
    void aRepositoryThatTricklesItsHandshakeIsCutOffAtTheConnectTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread trickler = daemon(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00});
                    out.flush();
                    for (int i = 0; i < 16384; i++) {
                        out.write(0);
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (Exception e) {
                    // the client gave up
                }
            });
            trickler.start();
            KeyStore repository = TestKeys.keyPair(dir, "repository", "CN=repository", "ip:127.0.0.1");
            SyslogTls factory = new SyslogTls(
                    TestKeys.context(null, repository),
                    "127.0.0.1",
                    InetAddress.getLoopbackAddress(),
                    server.getLocalPort(),
                    1000);
            long t0 = System.nanoTime();
            assertTimeoutPreemptively(
                    Duration.ofSeconds(40),
                    () -> assertThatThrownBy(factory::createSocket)
                            .isInstanceOf(SocketTimeoutException.class)
                            .hasMessageContaining("handshake took more than 1000 ms"));
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 20_000L);
        }
    }

    /**
     * A repository that completes the TLS handshake and never reads: once the socket buffers are full the audit
     * sender's write blocks (a blocking write has no timeout). The stall watch closes the connection after the stall
     * limit, the syslog handler reconnects, and the repository sees a second connection; before, the sender stayed
     * blocked on the first for as long as the repository lived.
     */
    @Test
    void aRepositoryThatStopsReadingGetsItsConnectionClosedAndTheSenderReconnects() throws Exception {
        KeyStore repository = TestKeys.keyPair(dir, "repository", "CN=repository", "ip:127.0.0.1");
        List<SSLSocket> accepted = new CopyOnWriteArrayList<>();
        try (SSLServerSocket server = (SSLServerSocket) TestKeys.context(repository, null)
                .getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = daemon(() -> {
                while (!server.isClosed()) {
                    try {
                        SSLSocket s = (SSLSocket) server.accept();
                        s.setReceiveBufferSize(4096);
                        s.startHandshake();
                        accepted.add(s); // kept open, never read
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
            acceptor.start();
            SyslogTls factory = new SyslogTls(
                    TestKeys.context(null, repository),
                    "127.0.0.1",
                    InetAddress.getLoopbackAddress(),
                    server.getLocalPort(),
                    5000);
            QueuedHandler handler = factory.handler(1000);
            try {
                String big = "x".repeat(50 * 1024);
                for (int i = 0; i < 400; i++) {
                    handler.publish(new LogRecord(Level.INFO, big));
                }
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (accepted.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(accepted)
                        .as("connections the repository accepted (a second one: the stalled one was closed)")
                        .hasSizeGreaterThanOrEqualTo(2);
            } finally {
                for (SSLSocket s : accepted) {
                    s.close();
                }
                handler.close();
            }
        }
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "misbehaving-repository");
        t.setDaemon(true);
        return t;
    }
}
