package org.srinode.dimse;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;

/** Registers the {@code dimse:} component with Camel. */
@ApplicationScoped
public class DimseComponentProducer {
    @Produces
    @Named("dimse")
    @ApplicationScoped
    DimseComponent dimse() {
        return new DimseComponent();
    }
}
