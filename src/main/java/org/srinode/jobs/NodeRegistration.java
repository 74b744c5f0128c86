package org.srinode.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.srinode.db.Sql;
import org.srinode.db.Tx;

/**
 * This process' name among the nodes that share the database (issue 14; table {@code node}, migration V3): registered
 * at start-up with a compare-and-set so that two running processes never hold one name, kept alive by a heartbeat
 * renewed with the job leases, released at a clean stop. A process whose name another one took over while it was
 * paused is "supplanted": {@link #current} is false from then on, so its queue claims and records nothing, and it stops.
 * Owned by {@link JobQueue}, whose claims and results check it.
 */
final class NodeRegistration {
    private static final Logger LOG = Logger.getLogger(NodeRegistration.class);
    private final DataSource ds;
    private final String nodeId;
    private final Duration lease;

    NodeRegistration(DataSource ds, String nodeId, Duration lease) {
        this.ds = ds;
        this.nodeId = nodeId;
        this.lease = lease;
    }

    /** This process among the nodes that share the database (table node): a random id per start. */
    private final String instance = java.util.UUID.randomUUID().toString();

    private volatile boolean registered;
    private volatile boolean supplanted;
    private volatile boolean stopWhenSupplanted;

    /**
     * Registers this process under its node name (table node). When the name's row has a heartbeat younger than the lease
     * (a process with this name stopped less than a lease ago, or still runs), waits a third of the lease and a second: a
     * heartbeat that moved in that time belongs to a running process, and this start is refused.
     *
     * @param stopProcessWhenSupplanted whether this process exits (status 3) once another one took its name over: the
     *                                  node's own queue; a test or tool that registers a queue only stops claiming
     * @throws IllegalStateException when another running process uses this node name (two processes with one name would
     *                               renew and resume each other's jobs)
     */
    void register(boolean stopProcessWhenSupplanted) {
        Optional<Registration> seen = registration();
        if (seen.isPresent() && seen.get().heartbeat().isAfter(Instant.now().minus(lease))) {
            long wait = lease.toMillis() / 3 + 1000;
            LOG.infof(
                    "node name %s was in use %d ms ago: waiting %d ms to make sure its process has stopped",
                    nodeId,
                    Duration.between(seen.get().heartbeat(), Instant.now()).toMillis(),
                    wait);
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while checking the node name " + nodeId, e);
            }
            Optional<Registration> now = registration();
            if (now.isPresent() && !now.equals(seen)) {
                throw new IllegalStateException(
                        "another running node uses the name " + nodeId + " (its heartbeat moved at "
                                + now.get().heartbeat() + "): give each node sharing the database its own SRI_NODE_ID");
            }
            seen = now;
        }
        Optional<Registration> expected = seen;
        try {
            Tx.run(ds, c -> {
                Timestamp now = Timestamp.from(Instant.now());
                try (PreparedStatement ps =
                        c.prepareStatement("DELETE FROM node WHERE heartbeat_at < ? AND node_id <> ?")) {
                    ps.setTimestamp(
                            1,
                            Timestamp.from(Instant.now().minus(Duration.ofDays(7))),
                            Sql.utc()); // names not used for a week
                    ps.setString(2, nodeId);
                    ps.executeUpdate();
                }
                // compare and set: the row must still be what this process saw (another process starting with this name
                // at
                // the same moment, or renewing it, makes this start fail instead of both running)
                Optional<Registration> current;
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT instance, heartbeat_at FROM node WHERE node_id = ? FOR UPDATE")) {
                    ps.setString(1, nodeId);
                    try (ResultSet rs = ps.executeQuery()) {
                        current = rs.next()
                                ? Optional.of(new Registration(
                                        rs.getString(1),
                                        rs.getTimestamp(2, Sql.utc()).toInstant()))
                                : Optional.empty();
                    }
                }
                if (current.isPresent() && !current.equals(expected)) {
                    throw new IllegalStateException("another node registered or renewed the name " + nodeId
                            + " just now: give each node " + "sharing the database its own SRI_NODE_ID");
                }
                String sql = current.isPresent()
                        ? "UPDATE node SET instance = ?, started_at = ?, heartbeat_at = ? WHERE node_id = ?"
                        : "INSERT INTO node (instance, started_at, heartbeat_at, node_id) VALUES (?, ?, ?, ?)";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, instance);
                    ps.setTimestamp(2, now, Sql.utc());
                    ps.setTimestamp(3, now, Sql.utc());
                    ps.setString(4, nodeId);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (IllegalStateException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException q && "23505".equals(q.getSQLState())) {
                    throw new IllegalStateException(
                            "another node registered the name " + nodeId + " at the same moment: give each node "
                                    + "sharing the database its own SRI_NODE_ID",
                            e);
                }
            }
            throw e;
        }
        registered = true;
        stopWhenSupplanted = stopProcessWhenSupplanted;
    }

    /** A process registered under a node name (table node), as read. */
    private record Registration(String instance, Instant heartbeat) {}

    private Optional<Registration> registration() {
        return Tx.run(ds, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT instance, heartbeat_at FROM node WHERE node_id = ?")) {
                ps.setString(1, nodeId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new Registration(
                                    rs.getString(1),
                                    rs.getTimestamp(2, Sql.utc()).toInstant()))
                            : Optional.<Registration>empty();
                }
            }
        });
    }

    /**
     * Whether this process is the one registered under its node name (or the name is not registered: a queue of a test
     * or a tool). False once another process started with this name: this one must then claim and record nothing.
     */
    boolean current(Connection c) throws SQLException {
        if (supplanted) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT instance FROM node WHERE node_id = ?")) {
            ps.setString(1, nodeId);
            try (ResultSet rs = ps.executeQuery()) {
                return !rs.next() || instance.equals(rs.getString(1));
            }
        }
    }

    /** A clean stop: this node's name is free for its next start at once (at shutdown, while the pool is open). */
    void release() {
        try {
            Tx.run(ds, c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM node WHERE node_id = ? AND instance = ?")) {
                    ps.setString(1, nodeId);
                    ps.setString(2, instance);
                    return ps.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf(
                    "node name %s not released at shutdown (its next start waits a third of the lease): %s",
                    nodeId, e.getMessage());
        }
    }

    /**
     * Renews this process' heartbeat, inside the caller's transaction (with its leases, every third of the lease).
     *
     * @return false when another process has registered this node name meanwhile (this one was paused or cut from the
     *         database): from then on this process claims and records nothing, and it stops with exit status 3
     */
    boolean heartbeat(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE node SET heartbeat_at = ? WHERE node_id = ? AND instance = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()), Sql.utc());
            ps.setString(2, nodeId);
            ps.setString(3, instance);
            if (ps.executeUpdate() == 0 && registered && !supplanted) {
                // another process started with this name while this one was paused or cut from the database: it has
                // taken this name's jobs over; this process must not run or record any of them, and stops
                supplanted = true;
                LOG.errorf(
                        "the node name %s is now registered by another process (this one was paused or cut from the database "
                                + "for longer than a third of the lease): this process stops; give each node its own SRI_NODE_ID",
                        nodeId);
                if (stopWhenSupplanted) {
                    io.quarkus.runtime.Quarkus.asyncExit(3);
                }
            }
        }
        return !supplanted;
    }
}
