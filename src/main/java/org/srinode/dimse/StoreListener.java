package org.srinode.dimse;

import org.srinode.spool.SpooledInstance;

/** Told of each instance after it is durable in the spool and before the sender hears success. */
@FunctionalInterface
public interface StoreListener {
    void stored(SpooledInstance instance, String callingAe) throws Exception;
}
