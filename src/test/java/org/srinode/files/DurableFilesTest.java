package org.srinode.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @TempDir
    Path dir;

    @Test
    void aWriteReplacesTheTargetWholeAndLeavesNoTemporaryFile() throws Exception {
        Path target = dir.resolve("a/b/instance.dcm");
        DurableFiles.write(target, temp -> Files.writeString(temp, "first"));
        DurableFiles.write(target, temp -> Files.writeString(temp, "second"));
        assertThat(Files.readString(target)).isEqualTo("second");
        assertOnlyFileIn(target);
    }

    @Test
    void aFailedWriteLeavesTheEarlierFileAndNoTemporaryFile() throws Exception {
        Path target = dir.resolve("instance.dcm");
        DurableFiles.write(target, temp -> Files.writeString(temp, "kept"));
        assertThatThrownBy(() -> DurableFiles.write(target, temp -> {
                    Files.writeString(temp, "half");
                    throw new IOException("disk full");
                }))
                .hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("kept");
        assertOnlyFileIn(target);
    }

    @org.junit.jupiter.api.AfterEach
    void noReserve() {
        DurableFiles.reserve(0);
    }

    private long free() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** 32 MiB that no file system compresses. */
    private static byte[] incompressible() {
        byte[] b = new byte[32 << 20];
        new java.util.Random(7).nextBytes(b);
        return b;
    }

    @Test
    void writesAndCopiesThatWouldTakeTheDiskBelowTheReserveAreRefusedAndLeaveNothing() throws Exception {
        Path target = dir.resolve("derived/instance.dcm");
        DurableFiles.write(target, temp -> Files.writeString(temp, "kept"));
        DurableFiles.reserve(free() + (1L << 30)); // already below: refused before anything is written
        assertThatThrownBy(() -> DurableFiles.write(target, temp -> Files.writeString(temp, "new")))
                .isInstanceOf(DiskReserveException.class)
                .hasMessageContaining("below the reserve of")
                .hasMessageContaining("SRI_SPOOL_RESERVE_MB");
        assertThat(Files.readString(target)).isEqualTo("kept");
        assertOnlyFileIn(target);
        byte[] big = incompressible();
        DurableFiles.reserve(free() - (8L << 20)); // room for 8 MiB: a 32 MiB file of unknown size is removed after
        assertThatThrownBy(() -> DurableFiles.write(target, temp -> Files.write(temp, big)))
                .isInstanceOf(DiskReserveException.class);
        assertThat(Files.readString(target)).isEqualTo("kept");
        assertOnlyFileIn(target);
        DurableFiles.reserve(0);
        Path source = Files.write(dir.resolve("source.dcm"), big);
        DurableFiles.reserve(free() - (8L << 20)); // a copy's size is known: refused before it is written
        Path copy = dir.resolve("outbox/copy.dcm");
        assertThatThrownBy(() -> DurableFiles.copy(source, copy)).isInstanceOf(DiskReserveException.class);
        try (var s = Files.list(copy.getParent())) {
            assertThat(s.toList()).isEmpty();
        }
        DurableFiles.copyLastResort(source, copy); // a dead-letter copy: not refused by the reserve
        assertThat(Files.mismatch(source, copy)).isEqualTo(-1L);
        DurableFiles.writeLastResort(copy.resolveSibling("REASON.txt"), temp -> Files.writeString(temp, "why"));
        assertThat(copy.resolveSibling("REASON.txt")).hasContent("why");
    }

    @Test
    void aCopyIsByteForByte() throws Exception {
        Path source = Files.write(dir.resolve("source"), new byte[] {0, 1, 2, (byte) 0xff});
        Path target = dir.resolve("out/copy");
        DurableFiles.copy(source, target);
        assertThat(Files.readAllBytes(target)).isEqualTo(Files.readAllBytes(source));
    }

    /** Two writers of one target (a node that took a job over writes the folder the first node writes): no shared temp. */
    @Test
    void twoWritersOfOneTargetDoNotShareATemporaryFile() throws Exception {
        Path target = dir.resolve("derived/instance.dcm");
        DurableFiles.write(target, a -> {
            Files.writeString(a, "first writer, half");
            assertThat(DurableFiles.isTemporary(a))
                    .as("a clean-up can tell it from a finished file")
                    .isTrue();
            DurableFiles.write(target, b -> Files.writeString(b, "second writer")); // finishes in between
            Files.writeString(a, "first writer, whole");
        });
        assertThat(Files.readString(target)).isEqualTo("first writer, whole");
        assertThat(DurableFiles.isTemporary(target)).isFalse();
        assertOnlyFileIn(target);
    }

    /**
     * A temporary file is stale once unchanged for 15 minutes; a finished file, a vanished one or a {@code *.part} file
     * not named like {@link DurableFiles#write}'s never is.
     */
    @Test
    void onlyTemporaryFilesUnchangedForLongAreStale() throws Exception {
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(DurableFiles.STALE_TEMPORARY).minusSeconds(60));
        Path crashed = Files.writeString(dir.resolve("instance.dcm.123.part"), "half");
        Path writing = Files.writeString(dir.resolve("instance.dcm.456.part"), "being written");
        Path finished = Files.writeString(dir.resolve("instance.dcm"), "whole");
        Path foreign = Files.writeString(dir.resolve("report.zip.part"), "someone else's download");
        Files.setLastModifiedTime(crashed, old);
        Files.setLastModifiedTime(finished, old);
        Files.setLastModifiedTime(foreign, old);
        assertThat(DurableFiles.isStale(foreign))
                .as("not named like this node's temporary files")
                .isFalse();
        assertThat(DurableFiles.isStale(crashed)).isTrue();
        assertThat(DurableFiles.isStale(writing)).isFalse();
        assertThat(DurableFiles.isStale(finished)).isFalse();
        assertThat(DurableFiles.isStale(dir.resolve("renamed.dcm.789.part"))).isFalse();
    }

    /**
     * The sweep goes {@code depth} folder levels down and no further, survives a link that loops back to its root, and
     * removes a linked leftover as a link (its target stays): the dead-letter folder is swept at depth 2, the outbox
     * and the derived folder at depth 3.
     */
    @Test
    void theSweepStopsAtItsDepthAndSurvivesALinkLoop() throws Exception {
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(DurableFiles.STALE_TEMPORARY).minusSeconds(60));
        Path job = Files.createDirectories(dir.resolve("dead/1.2.3-g1-job7"));
        Path inJob = Files.writeString(job.resolve("1.2.3.4.dcm.1.part"), "half");
        Path deeper = Files.createDirectories(job.resolve("deeper"));
        Path tooDeep = Files.writeString(deeper.resolve("x.dcm.2.part"), "half");
        Path elsewhere = Files.writeString(dir.resolve("elsewhere.dcm.3.part"), "not ours");
        Path linked = Files.createSymbolicLink(job.resolve("linked.dcm.4.part"), elsewhere);
        Files.createSymbolicLink(job.resolve("loop"), dir.resolve("dead"));
        for (Path p : new Path[] {inJob, tooDeep, elsewhere}) {
            Files.setLastModifiedTime(p, old);
        }
        assertThat(DurableFiles.removeStale(dir.resolve("dead"), 2)).isEqualTo(2);
        assertThat(inJob).doesNotExist();
        assertThat(linked).doesNotExist();
        assertThat(elsewhere).exists();
        assertThat(tooDeep).exists();
        assertThat(DurableFiles.removeStale(dir.resolve("dead"), 3)).isEqualTo(1);
        assertThat(tooDeep).doesNotExist();
        assertThat(DurableFiles.removeStale(dir.resolve("no-such-folder"), 3)).isZero();
    }

    /** The temporary files {@link DurableFiles#write} really makes are named as {@link DurableFiles#isTemporary} expects. */
    @Test
    void aWritersTemporaryFileIsRecognised() throws Exception {
        Path target = dir.resolve("instance.dcm");
        boolean[] seen = {false};
        DurableFiles.write(target, temp -> {
            seen[0] = DurableFiles.isTemporary(temp);
            Files.writeString(temp, "x");
        });
        assertThat(seen[0]).isTrue();
    }

    @Test
    void newFoldersAreCreatedForTheTarget() throws Exception {
        Path target = dir.resolve("study/series/instance.dcm");
        DurableFiles.write(target, temp -> Files.writeString(temp, "x"));
        assertThat(Files.isDirectory(dir.resolve("study/series"))).isTrue();
    }

    /** {@code target} is the one file in its folder: no temporary file is left beside it. */
    private static void assertOnlyFileIn(Path target) throws IOException {
        try (var files = Files.list(target.getParent())) {
            assertThat(files).as("no temporary file left").containsExactly(target);
        }
    }

    /** An attempt's output is taken back whole, unless another writer is writing into the folder now. */
    @Test
    void removeFolderRemovesNothingWhileAWriteIsInProgress() throws IOException {
        Path dir = Files.createDirectories(this.dir.resolve("series-g1-job7"));
        Path done = Files.writeString(dir.resolve("1.dcm"), "x");
        Path crashed = Files.writeString(dir.resolve("2.dcm.123.part"), "x");
        Path writing = Files.writeString(dir.resolve("3.dcm.456.part"), "x");
        Path foreign = Files.writeString(dir.resolve("notes.part"), "x");
        Files.setLastModifiedTime(
                crashed,
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(3600)));
        assertThat(DurableFiles.removeFolder(dir))
                .as("a write in progress keeps the folder")
                .isFalse();
        assertThat(done).as("the other writer's finished file").exists();
        assertThat(writing).exists();
        Files.delete(writing);
        assertThat(DurableFiles.removeFolder(dir)).isTrue();
        assertThat(dir).doesNotExist();
        assertThat(crashed).doesNotExist();
        assertThat(foreign)
                .as("not a temporary file of the node's: part of the output")
                .doesNotExist();
        assertThat(DurableFiles.removeFolder(dir)).as("gone already").isTrue();
    }

    /**
     * The age of a file is measured against the clock that stamped it: the file system's time now, read from a probe
     * file that is removed at once; a file stamped one second before that time is young whatever this node's clock says.
     */
    @Test
    void theAgeOfAFileIsMeasuredByTheFileSystemsClock() throws Exception {
        java.time.Instant before = java.time.Instant.now().minusSeconds(5);
        java.time.Instant now = DurableFiles.fileSystemNow(dir);
        assertThat(now).isBetween(before, java.time.Instant.now().plusSeconds(5));
        try (var left = Files.list(dir)) {
            assertThat(left).as("the probe file is removed").isEmpty();
        }
        Path f = Files.writeString(dir.resolve("a.dcm"), "x");
        java.time.Instant serverNow = java.time.Instant.parse("2020-01-01T00:00:00Z"); // a file server years behind
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(serverNow.minusSeconds(1)));
        assertThat(DurableFiles.unchangedFor(f, java.time.Duration.ofMinutes(15), serverNow))
                .isFalse();
        assertThat(DurableFiles.unchangedFor(f, java.time.Duration.ofMinutes(15), serverNow.plusSeconds(16 * 60)))
                .isTrue();
        assertThat(DurableFiles.fileSystemNow(dir.resolve("missing")))
                .as("a folder that cannot be written: this node's clock")
                .isBetween(before, java.time.Instant.now().plusSeconds(5));
    }
}
