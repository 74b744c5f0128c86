package org.srinode.db;

import java.util.ArrayList;
import java.util.List;

/** SQL that the node's two databases, H2 2.x and PostgreSQL 15, both run, and their shared conventions (issue 14). */
public final class Sql {
    private Sql() {}

    /**
     * The calendar every TIMESTAMP column is written and read with: times are stored in UTC, whatever the zone of the JVM.
     * Nodes in different time zones (a container on UTC next to a host on local time) then compare the same instants, and a
     * change of daylight saving time moves no lease, due time or idle timeout. A new calendar per call (JDBC drivers may
     * change the one they are given).
     */
    public static java.util.Calendar utc() {
        return java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone(java.time.ZoneOffset.UTC));
    }

    /**
     * An upsert as one standard SQL:2003 MERGE statement (H2's {@code MERGE ... KEY} and PostgreSQL's {@code ON CONFLICT}
     * are each only the other's error): {@code MERGE INTO table USING (VALUES (?, ...)) AS v(...) ON key WHEN MATCHED THEN
     * UPDATE ... WHEN NOT MATCHED THEN INSERT ...}. Two concurrent upserts of a new key may both insert, and one then fails
     * with SQLState 23505 (unique violation): callers lock a parent row first, or retry.
     *
     * @param table   the table
     * @param key     number of leading columns that form the key
     * @param columns every column in parameter order, each {@code name} or {@code name:TYPE} (the parameter is cast to the
     *                SQL type: PostgreSQL takes an untyped parameter in VALUES as text); a name that starts with {@code +}
     *                is written on insert only (for example a creation time)
     * @return the statement, one {@code ?} per column
     */
    public static String merge(String table, int key, String... columns) {
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        List<String> updates = new ArrayList<>();
        for (int i = 0; i < columns.length; i++) {
            String c = columns[i];
            boolean insertOnly = c.startsWith("+");
            String[] nameType = (insertOnly ? c.substring(1) : c).split(":", 2);
            names.add(nameType[0]);
            values.add(nameType.length == 2 ? "CAST(? AS " + nameType[1] + ")" : "?");
            if (i >= key && !insertOnly) {
                updates.add(nameType[0] + " = v." + nameType[0]);
            }
        }
        List<String> on = new ArrayList<>();
        for (int i = 0; i < key; i++) {
            on.add("t." + names.get(i) + " = v." + names.get(i));
        }
        return "MERGE INTO " + table + " t USING (VALUES (" + String.join(", ", values) + ")) AS v("
                + String.join(", ", names)
                + ") ON " + String.join(" AND ", on)
                + (updates.isEmpty() ? "" : " WHEN MATCHED THEN UPDATE SET " + String.join(", ", updates))
                + " WHEN NOT MATCHED THEN INSERT (" + String.join(", ", names) + ") VALUES (v."
                + String.join(", v.", names) + ")";
    }
}
