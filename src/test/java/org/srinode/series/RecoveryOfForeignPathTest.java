package org.srinode.series;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spool recovery's decision ({@link SeriesAssembler#recoveryOf}) for a row written on a host with the other path
 * separator (a spool moved from Windows): its copy is still found by name. Before, Path.of took the whole string for
 * the name, the stray was re-pointed to and the registered copy then removed.
 */
class RecoveryOfForeignPathTest {
    @TempDir
    Path spool;

    @Test
    void aStrayBesideTheRegisteredCopyIsAStrayWhateverTheRowsSeparator() throws Exception {
        Path folder = Files.createDirectories(spool.resolve("1.2.3.1/1.2.3.1.1"));
        Path registered = Files.writeString(folder.resolve("1.2.3.1.1.1.w0123456789abcdef.dcm"), "registered");
        Path stray = Files.writeString(folder.resolve("1.2.3.1.1.1.wfedcba9876543210.dcm"), "stray");
        String row = "D:\\sri\\spool\\1.2.3.1\\1.2.3.1.1\\" + registered.getFileName();
        assertThat(SeriesAssembler.recoveryOf(row, stray))
                .as("the stray, while the row's copy (by name) is beside it")
                .isEqualTo(SeriesAssembler.Recovery.STRAY);
    }
}
