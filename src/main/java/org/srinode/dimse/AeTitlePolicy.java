package org.srinode.dimse;

import java.util.Optional;
import java.util.Set;
import org.srinode.dicom.LogText;

/**
 * The default acceptance policy: the DICOM application context, the node's own called AE title, and
 * the calling AE title in the allow-list (any when the list is empty).
 */
public final class AeTitlePolicy implements AcceptancePolicy {
    private final String aeTitle;
    private final Set<String> allowedCallingAes;

    public AeTitlePolicy(String aeTitle, Set<String> allowedCallingAes) {
        this.aeTitle = aeTitle;
        this.allowedCallingAes = allowedCallingAes;
    }

    @Override
    public Optional<Rejection> evaluate(Proposal p) {
        if (!Pdus.APPLICATION_CONTEXT.equals(p.applicationContext())) {
            return Optional.of(Rejection.applicationContextNotSupported("application context " + LogText.escape(p.applicationContext())));
        }
        if (!aeTitle.equals(p.calledAe())) {
            return Optional.of(Rejection.calledAeTitleNotRecognized("called AE title '" + LogText.escape(p.calledAe()) + "' is not '"
                    + aeTitle + "'"));
        }
        if (!allowedCallingAes.isEmpty() && !allowedCallingAes.contains(p.callingAe())) {
            return Optional.of(Rejection.callingAeTitleNotRecognized("calling AE title '" + LogText.escape(p.callingAe())
                    + "' is not in the allow-list"));
        }
        return Optional.empty();
    }
}
