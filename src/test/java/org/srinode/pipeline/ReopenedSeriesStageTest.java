package org.srinode.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.srinode.db.Database;
import org.srinode.jobs.Job;
import org.srinode.jobs.JobExchange;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.jobs.JobState;
import org.srinode.series.SeriesRecords;

/**
 * An assessment or enhancement of generation 1 that fails on its last attempt after a re-sent instance re-opened the
 * series as generation 2 (the re-send removed the file it was reading): cancelled, not DEAD. Before, both counted the
 * attempt and went DEAD (an enhancement's DEAD also recorded a FAILED outcome on the series).
 */
class ReopenedSeriesStageTest {
    /** A configuration interface whose values are all "one" (one attempt, 1 s backoff, 1.0); default methods run. */
    @SuppressWarnings("unchecked")
    private static <T> T config(Class<T> type) {
        InvocationHandler h = (p, m, args) -> {
            if (m.isDefault()) {
                return InvocationHandler.invokeDefault(p, m, args);
            }
            Class<?> r = m.getReturnType();
            if (r == int.class) {
                return 1;
            }
            if (r == double.class) {
                return 1.0;
            }
            if (r == boolean.class) {
                return false;
            }
            if (r == Duration.class) {
                return Duration.ofSeconds(1);
            }
            if (r.isInterface()) {
                return config(r);
            }
            return null;
        };
        return (T) Proxy.newProxyInstance(ReopenedSeriesStageTest.class.getClassLoader(), new Class<?>[] {type}, h);
    }

    private record Setup(JobQueue queue, SeriesRecords series, Job job) {}

    private static Setup reopened(JobKind kind) throws Exception {
        JdbcDataSource ds = org.srinode.db.TestDatabases.withSeriesReopenedDuring(kind);
        Database db = new Database(ds);
        JobQueue queue = new JobQueue(ds, "node-a", Duration.ofMinutes(1));
        Job job = queue.claimDue(kind, 10, null, 1).get(0); // its last attempt
        return new Setup(queue, new SeriesRecords(db), job);
    }

    private static Exchange failedReading(Job job) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(JobExchange.PROPERTY, job);
        exchange.setProperty(
                Exchange.EXCEPTION_CAUGHT,
                new java.nio.file.NoSuchFileException("/spool/1.2/1.2.3/1.2.3.4.w0123456789abcdef.dcm"));
        return exchange;
    }

    @Test
    void anAssessmentOfAnEarlierGenerationIsCancelled() throws Exception {
        Setup s = reopened(AssessStage.KIND);
        new AssessStage(s.queue(), s.series(), config(QualitySettings.class), null, null)
                .failed(failedReading(s.job()));
        Job after = s.queue().find(s.job().id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.CANCELLED);
        assertThat(after.lastError()).contains("re-opened as generation 2").contains("assessment");
    }

    @Test
    void anEnhancementOfAnEarlierGenerationIsCancelled() throws Exception {
        Setup s = reopened(AssessStage.ENHANCE);
        new EnhanceStage(
                        s.queue(),
                        s.series(),
                        null,
                        config(DerivedSettings.class),
                        config(SafetySettings.class),
                        null,
                        config(EnhanceConfig.class),
                        null)
                .failed(failedReading(s.job()));
        Job after = s.queue().find(s.job().id()).orElseThrow();
        assertThat(after.state()).isEqualTo(JobState.CANCELLED);
        assertThat(after.lastError()).contains("re-opened as generation 2").contains("enhancement");
        assertThat(s.series().find("1.2.3").orElseThrow().outcome())
                .as("no FAILED outcome")
                .isNull();
    }
}
