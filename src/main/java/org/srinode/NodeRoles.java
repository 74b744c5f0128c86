package org.srinode;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which parts of the node a process runs (issue 14), from {@code SRI_NODE_ROLES} (or {@code -Dsri.node.roles}): a comma-
 * separated list of roles, or {@code all} (the default). A GPU machine runs {@code enhance} only; two {@code ingest} nodes
 * can sit behind one DNS name. Every process shares the state database (PostgreSQL, {@code SRI_DB_URL}) and the spool and
 * derived folders. {@link #properties} turns the roles into the settings {@code sri.role.<role>=true|false} that the
 * routes ({@code autoStartup}) and beans read.
 */
public enum NodeRoles {
    /** Storage SCP and series assembly (routes ingest and series-assembly, start-up recovery of the spool). */
    INGEST,
    /** Assessment and routing rules (route assess). */
    ASSESS,
    /** Enhancement (route enhance; the model is loaded only on a node with this role). */
    ENHANCE,
    /** Delivery to the destination (route forward). */
    FORWARD,
    /** FHIR publication (route publish). */
    PUBLISH,
    /** The web page and the REST API under /api (health and metrics under /q answer on every node). */
    WEB;

    /**
     * Parses a role list.
     *
     * @param list comma-separated role names (case-insensitive) or {@code all}; null or blank means all
     * @return the roles, never empty
     * @throws IllegalArgumentException naming the unknown role and the known ones, or when the list names none
     */
    public static Set<NodeRoles> parse(String list) {
        if (list == null || list.isBlank() || list.trim().equalsIgnoreCase("all")) {
            return EnumSet.allOf(NodeRoles.class);
        }
        EnumSet<NodeRoles> roles = EnumSet.noneOf(NodeRoles.class);
        for (String part : list.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (name.equalsIgnoreCase("all")) {
                throw new IllegalArgumentException("SRI_NODE_ROLES: 'all' stands alone; otherwise list the roles: "
                        + EnumSet.allOf(NodeRoles.class).stream()
                                .map(NodeRoles::key)
                                .collect(Collectors.joining(", ")));
            }
            try {
                roles.add(valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "SRI_NODE_ROLES: unknown role '" + name + "'; the roles are all or any of "
                                + EnumSet.allOf(NodeRoles.class).stream()
                                        .map(NodeRoles::key)
                                        .collect(Collectors.joining(", ")));
            }
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("SRI_NODE_ROLES names no role: give all or any of "
                    + EnumSet.allOf(NodeRoles.class).stream()
                            .map(NodeRoles::key)
                            .collect(Collectors.joining(", ")));
        }
        return roles;
    }

    /** The role's name in SRI_NODE_ROLES and in its setting {@code sri.role.<key>}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code sri.role.<key>} for every role: "true" for those given, "false" for the others. */
    public static java.util.Map<String, String> properties(Set<NodeRoles> roles) {
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
        for (NodeRoles r : values()) {
            p.put("sri.role." + r.key(), Boolean.toString(roles.contains(r)));
        }
        return p;
    }
}
