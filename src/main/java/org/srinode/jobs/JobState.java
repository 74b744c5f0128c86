package org.srinode.jobs;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a job stands, and the one table of the changes {@link JobQueue} and the operator actions make (issues 14 and 17).
 * The database accepts no other state (migration V4).
 *
 * <pre>
 * PENDING   -> RUNNING    claimed by a node (JobQueue.claimDue)
 * PENDING   -> CANCELLED  obsolete before it ran (a later generation withdrew its series)
 * RUNNING   -> DONE       succeeded
 * RUNNING   -> PENDING    failed with attempts left (backoff), asked to run again while it ran, or its node restarted
 * RUNNING   -> DEAD       failed for the last allowed time, or its lease expired for the last allowed time
 * RUNNING   -> RUNNING    its lease expired and another node claimed it (an attempt more)
 * RUNNING   -> CANCELLED  obsolete while it ran (its result is not recorded)
 * DEAD      -> PENDING    requeued by an operator
 * DONE      -> PENDING    run again (a second withdrawal, an operator's release or re-run)
 * CANCELLED -> PENDING    run again
 * </pre>
 */
public enum JobState {
    PENDING,
    RUNNING,
    DONE,
    DEAD,
    CANCELLED;

    private static final Map<JobState, Set<JobState>> NEXT = Map.of(
            PENDING, EnumSet.of(RUNNING, CANCELLED),
            RUNNING, EnumSet.of(DONE, PENDING, DEAD, RUNNING, CANCELLED),
            DEAD, EnumSet.of(PENDING),
            DONE, EnumSet.of(PENDING),
            CANCELLED, EnumSet.of(PENDING));

    /** The states a job in this state may change to (the table above). */
    public Set<JobState> next() {
        return NEXT.get(this);
    }

    /** Whether a job in this state may change to {@code s}. */
    public boolean mayBecome(JobState s) {
        return NEXT.get(this).contains(s);
    }

    /** Whether no stage will claim the job as it is (DONE, DEAD, CANCELLED). */
    public boolean isFinal() {
        return this == DONE || this == DEAD || this == CANCELLED;
    }
}
