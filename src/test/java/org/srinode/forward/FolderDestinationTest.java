package org.srinode.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.files.DurableFiles;

class FolderDestinationTest {
    @TempDir
    Path dir;

    @Test
    void aSeriesIsCopiedIntoStudyAndSeriesFolders() throws Exception {
        Path source = Files.createDirectories(dir.resolve("spool/1.2.3/1.2.3.4"));
        Path a = Files.writeString(source.resolve("1.2.3.4.5.dcm"), "first instance");
        Path b = Files.writeString(source.resolve("1.2.3.4.6.dcm"), "second instance");
        new FolderDestination(dir.resolve("outbox")).store(List.of(a, b));
        Path series = dir.resolve("outbox/1.2.3/1.2.3.4");
        assertThat(Files.readString(series.resolve("1.2.3.4.5.dcm"))).isEqualTo("first instance");
        assertThat(Files.readString(series.resolve("1.2.3.4.6.dcm"))).isEqualTo("second instance");
    }

    @Test
    void spoolFilesArriveAsTheirInstanceAndAReSentOneReplacesItsEarlierCopy() throws Exception {
        Path source = Files.createDirectories(dir.resolve("spool/1.2.3/1.2.3.4"));
        // a UID whose last component is 16 digits: only the write's mark (w + 16 hex digits) goes
        Path first = Files.writeString(source.resolve("1.2.3.4.1234567890123456.w0123456789abcdef.dcm"), "first");
        Path again = Files.writeString(source.resolve("1.2.3.4.1234567890123456.wfedcba9876543210.dcm"), "again");
        FolderDestination outbox = new FolderDestination(dir.resolve("outbox"));
        outbox.store(List.of(first));
        outbox.store(List.of(again));
        try (var s = Files.list(dir.resolve("outbox/1.2.3/1.2.3.4"))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("1.2.3.4.1234567890123456.dcm");
        }
        assertThat(Files.readString(dir.resolve("outbox/1.2.3/1.2.3.4/1.2.3.4.1234567890123456.dcm")))
                .isEqualTo("again");
    }

    /**
     * A copy into the outbox cut by a crash leaves {@code <file>.<random>.part}; after a restart the series is copied
     * again at once, so the leftover is young then and no later write of that file comes. The sweep removes it once it
     * has been unchanged for 15 minutes, and leaves a copy in progress and the delivered files alone.
     */
    @Test
    void theSweepRemovesTemporaryFilesACrashLeftAndNothingElse() throws Exception {
        Path outbox = dir.resolve("outbox");
        Path series = Files.createDirectories(outbox.resolve("1.2.3/1.2.3.4"));
        Path delivered = Files.writeString(series.resolve("1.2.3.4.5.dcm"), "whole");
        Path crashed = Files.writeString(series.resolve("1.2.3.4.5.dcm.123.part"), "half");
        Path inProgress = Files.writeString(series.resolve("1.2.3.4.6.dcm.456.part"), "being written");
        FileTime old =
                FileTime.from(Instant.now().minus(DurableFiles.STALE_TEMPORARY).minusSeconds(60));
        Files.setLastModifiedTime(crashed, old);
        Files.setLastModifiedTime(delivered, old);
        FolderDestination destination = new FolderDestination(outbox);
        assertThat(destination.removeStaleTemporaries()).isEqualTo(1);
        assertThat(crashed).doesNotExist();
        assertThat(inProgress).exists();
        assertThat(delivered).exists();
        assertThat(destination.removeStaleTemporaries()).isZero();
        assertThat(new FolderDestination(dir.resolve("no-outbox-yet")).removeStaleTemporaries())
                .isZero();
    }

    /**
     * An outbox reached through a link (another volume) is swept too, and a folder whose name ends in {@code .part}
     * where files are expected is neither removed nor a reason to stop before the files after it.
     */
    @Test
    void theSweepFollowsALinkedOutboxAndSkipsWhatItCannotRemove() throws Exception {
        Path real = Files.createDirectories(dir.resolve("volume/outbox/1.2.3/1.2.3.4"));
        FileTime old =
                FileTime.from(Instant.now().minus(DurableFiles.STALE_TEMPORARY).minusSeconds(60));
        Path folder = Files.createDirectories(real.resolve("a.dcm.1.part"));
        Files.writeString(folder.resolve("inside"), "x");
        Files.setLastModifiedTime(folder, old);
        Path crashed = Files.writeString(real.resolve("b.dcm.2.part"), "half");
        Files.setLastModifiedTime(crashed, old);
        Path link = Files.createSymbolicLink(dir.resolve("outbox"), dir.resolve("volume/outbox"));
        assertThat(new FolderDestination(link).removeStaleTemporaries()).isEqualTo(1);
        assertThat(crashed).doesNotExist();
        assertThat(folder).isDirectory();
    }
}
