package org.srinode.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The node's data folder ({@code SRI_DATA_DIR}) holds patient data: the spool, the derived series, the database, the
 * audit trail, the TLS keys. Whatever mode the files inside get (the process umask decides that, and a JVM cannot set
 * it), nobody but the node's account can reach them when the folder itself is {@code rwx------}: a group or others
 * need the search permission of every folder on the path. So the folder is created that way and tightened at every
 * start when it is not.
 */
public final class DataFolder {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private DataFolder() {}

    /**
     * Creates {@code dir} when missing and makes it private to the node's account.
     *
     * @return what was done, in words for the log ("" when it was private already)
     * @throws IOException the folder cannot be created or its mode changed (for example it belongs to another account)
     */
    public static String makePrivate(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PRIVATE);
            return "data folder " + dir + " created, private to the node's account (rwx------)";
        }
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
        if (now.equals(PRIVATE)) {
            return "";
        }
        Files.setPosixFilePermissions(dir, PRIVATE);
        return "data folder " + dir + " was " + PosixFilePermissions.toString(now)
                + ", now rwx------: it holds patient data";
    }
}
