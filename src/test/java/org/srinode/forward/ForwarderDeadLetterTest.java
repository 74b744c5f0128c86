package org.srinode.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.audit.AuditTrail;
import org.srinode.db.Database;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.jobs.RetryPolicy;
import org.srinode.series.SeriesRecords;

/**
 * A forward whose node died during its last attempt (the lease expired; no failure was ever recorded) is dead-lettered
 * by the node whose claim declares it DEAD: the series' files and a REASON.txt naming the lease, as after a failed last
 * attempt. Before, such a series reached no dead-letter folder at all. A forward that fails after its series was
 * re-opened is cancelled instead: the newer generation's forward sends the series whole.
 */
class ForwarderDeadLetterTest {
    @TempDir
    Path dir;

    @Test
    void aForwardThatDiedWithItsNodeOnTheLastAttemptIsDeadLettered() throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.h2();
        Database db = new Database(ds);
        Path spooled = Files.writeString(dir.resolve("1.dcm"), "instance bytes");
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO instance (sop_uid, study_uid, series_uid, path,"
                        + " size_bytes, received_at) VALUES ('1.2.3.4', '1.2', '1.2.3', ?, 14, ?)")) {
            ps.setString(1, spooled.toString());
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            ps.executeUpdate();
            JobQueue.enqueue(c, JobKind.FORWARD, "1.2.3", 1);
        }
        Path deadLetter = dir.resolve("dead-letter");
        JobQueue a = new JobQueue(ds, "node-a", Duration.ofMillis(300));
        JobQueue b = new JobQueue(ds, "node-b", Duration.ofMillis(300));
        new Forwarder(b, new SeriesRecords(db), config(deadLetter), new AuditTrail("SRI", "test"));
        long id = a.claimDue(JobKind.FORWARD, 10, null, 1).get(0).id();
        Thread.sleep(400); // node-a is gone during its only attempt
        assertThat(b.claimDue(JobKind.FORWARD, 10, null, 1)).isEmpty();
        Path folder = deadLetter.resolve("1.2.3-g1-job" + id);
        assertThat(folder.resolve("1.dcm")).hasContent("instance bytes");
        assertThat(folder.resolve("REASON.txt"))
                .content()
                .contains("series 1.2.3 generation 1", "lease of node-a expired", "resend with: storescu");
        assertThat(spooled).as("the spool copy stays").exists();
    }

    @Test
    void aForwardThatFailsAfterItsSeriesWasReOpenedIsCancelledNotCountedNorDeadLettered() throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.withSeriesReopenedDuring(JobKind.FORWARD);
        Database db = new Database(ds);
        Path deadLetter = dir.resolve("dead-letter");
        JobQueue queue = new JobQueue(ds, "node-a", Duration.ofMinutes(1));
        Forwarder forwarder =
                new Forwarder(queue, new SeriesRecords(db), config(deadLetter), new AuditTrail("SRI", "test"));
        org.srinode.jobs.Job job = queue.claimDue(JobKind.FORWARD, 10, null, 1).get(0); // its last attempt
        org.apache.camel.Exchange exchange =
                new org.apache.camel.support.DefaultExchange(new org.apache.camel.impl.DefaultCamelContext());
        exchange.setProperty(org.srinode.jobs.JobExchange.PROPERTY, job);
        // a re-sent instance re-opened the series as generation 2 and replaced a file this attempt was reading
        exchange.setProperty(
                org.apache.camel.Exchange.EXCEPTION_CAUGHT,
                new java.nio.file.NoSuchFileException("/spool/1.2/1.2.3/1.2.3.4.w0123456789abcdef.dcm"));
        forwarder.failed(exchange);
        assertThat(queue.find(job.id()).orElseThrow().state()).isEqualTo(org.srinode.jobs.JobState.CANCELLED);
        assertThat(queue.find(job.id()).orElseThrow().lastError()).contains("re-opened as generation 2");
        assertThat(deadLetter).as("generation 2's forward sends the series").doesNotExist();
    }

    private static ForwardConfig config(Path deadLetter) {
        return new ForwardConfig() {
            @Override
            public String uri() {
                return "bean:folderDestination?method=store";
            }

            @Override
            public String outbox() {
                return deadLetter.resolveSibling("outbox").toString();
            }

            @Override
            public String deadLetter() {
                return deadLetter.toString();
            }

            @Override
            public RetryPolicy retry() {
                return new RetryPolicy() {
                    @Override
                    public int maxAttempts() {
                        return 1;
                    }

                    @Override
                    public Duration initialBackoff() {
                        return Duration.ofSeconds(2);
                    }

                    @Override
                    public Duration maxBackoff() {
                        return Duration.ofMinutes(5);
                    }
                };
            }
        };
    }
}
