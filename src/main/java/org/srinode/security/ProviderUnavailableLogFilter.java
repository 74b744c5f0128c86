package org.srinode.security;

import io.quarkus.logging.LoggingFilter;
import java.time.Duration;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Keeps an unreachable OpenID provider from filling the log (the console handler's filter {@value #NAME}): the HTTP
 * layer's ERROR with a stack trace for each request that needed the provider is dropped (those requests get 503 and
 * {@link ProviderUnavailable} warns once a minute), and the OpenID layer's own "not available" warning passes at most
 * once a minute (the first one, at start-up, always). Every other record passes.
 */
@LoggingFilter(name = ProviderUnavailableLogFilter.NAME)
public final class ProviderUnavailableLogFilter implements Filter {
    /** The filter's name in application.properties. */
    public static final String NAME = "oidc-unavailable";

    private final OncePerInterval warning = new OncePerInterval(Duration.ofMinutes(1));

    @Override
    public boolean isLoggable(LogRecord record) {
        if (ProviderUnavailable.unavailable(record.getThrown())) {
            return false;
        }
        String logger = record.getLoggerName();
        String message = record.getMessage();
        if (logger != null
                && logger.startsWith("io.quarkus.oidc.runtime.")
                && message != null
                && message.contains("not available")) {
            return warning.open();
        }
        return true;
    }
}
