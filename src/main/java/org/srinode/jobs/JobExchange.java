package org.srinode.jobs;

import org.apache.camel.Exchange;

/** How a stage's beans carry the job they work on through one exchange, and read why it failed. */
public final class JobExchange {
    /** Exchange property holding the job. */
    public static final String PROPERTY = "sriJob";

    private JobExchange() {}

    /** Takes the job from the body (as split by the route) and keeps it on the exchange. */
    public static Job bind(Exchange exchange) {
        Job job = exchange.getIn().getBody(Job.class);
        exchange.setProperty(PROPERTY, job);
        return job;
    }

    public static Job of(Exchange exchange) {
        return exchange.getProperty(PROPERTY, Job.class);
    }

    /** The reason of the failure caught by the route's doCatch, in words. */
    public static String failure(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (e == null) {
            return "unknown error";
        }
        // Camel wraps what a bean threw (an Error in particular) in an exception that says nothing
        while (e instanceof org.apache.camel.CamelExecutionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null || e instanceof Error ? e.toString() : e.getMessage();
    }
}
