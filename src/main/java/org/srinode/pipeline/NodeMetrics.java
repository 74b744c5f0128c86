package org.srinode.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.jobs.JobState;
import org.srinode.series.Outcome;
import org.srinode.series.SeriesRecords;
import org.srinode.spool.SpooledInstance;

/** Prometheus metrics of the node: instances received, series per state, jobs per state (queue depth, failures). */
@ApplicationScoped
@Named("nodeMetrics")
public class NodeMetrics {
    private final Counter received;
    private final Counter receivedBytes;
    private final Timer enhancement;
    private final MeterRegistry registry;

    @Inject
    public NodeMetrics(MeterRegistry registry, SeriesRecords series, JobQueue jobs) {
        received = Counter.builder("sri.instances.received")
                .description("Instances durable in the spool and acknowledged")
                .register(registry);
        receivedBytes = Counter.builder("sri.instances.received.bytes")
                .description("Bytes of the instances received")
                .register(registry);
        for (String state : new String[] {"RECEIVING", "COMPLETE"}) {
            Gauge.builder("sri.series", series, s -> s.countByState(state))
                    .tag("state", state)
                    .description("Series known to the node, per state")
                    .register(registry);
        }
        for (JobKind kind : JobKind.values()) {
            for (JobState state : JobState.values()) {
                Gauge.builder("sri.jobs", jobs, q -> q.count(kind, state))
                        .tag("kind", kind.name())
                        .tag("state", state.name())
                        .description(
                                "Jobs per kind and state (PENDING+RUNNING: queue depth; DEAD: failed for good; CANCELLED: superseded before it ran)")
                        .register(registry);
            }
            Gauge.builder("sri.jobs.retrying", jobs, q -> q.countRetrying(kind))
                    .tag("kind", kind.name())
                    .description("Jobs waiting for a retry after a failure")
                    .register(registry);
        }
        this.registry = registry;
        enhancement = Timer.builder("sri.enhancement.duration")
                .description("Time to enhance one series (model and derived series)")
                .publishPercentiles(0.5, 0.95)
                .register(registry);
    }

    /** Called by the enhancement stage once per enhanced series. */
    public void enhanced(long millis, Outcome outcome) {
        enhancement.record(java.time.Duration.ofMillis(millis));
        Counter.builder("sri.enhancement.outcomes")
                .tag("outcome", outcome.name())
                .description("Enhanced series per outcome (ENHANCED, FLAGGED, HELD)")
                .register(registry)
                .increment();
    }

    /** Called by the ingest route for each stored instance. */
    public void received(SpooledInstance instance) {
        received.increment();
        receivedBytes.increment(instance.sizeBytes());
    }
}
