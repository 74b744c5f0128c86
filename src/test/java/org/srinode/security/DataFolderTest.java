package org.srinode.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12: the data folder is private to the node's account, created so and tightened when it is not. */
class DataFolderTest {
    @TempDir
    Path tmp;

    @Test
    void createdPrivateAndTightenedWhenOpen() throws Exception {
        Path data = tmp.resolve("var/lib/sri-node");
        assertThat(DataFolder.makePrivate(data)).contains("created");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
        assertThat(DataFolder.makePrivate(data)).isEmpty();
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(DataFolder.makePrivate(data)).contains("was rwxr-xr-x, now rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
                .isEqualTo("rwx------");
    }
}
