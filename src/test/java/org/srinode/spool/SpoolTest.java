package org.srinode.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.dicom.InvalidDicomException;

class SpoolTest {
    @TempDir
    Path dir;

    /** Debian's python3-pydicom (installed by the launcher) ships this real MR file: no ../shared needed. */
    private static final Path MR = Path.of("/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm");

    private SpooledInstance put(Spool spool, Path source) throws Exception {
        try (Spool.PendingWrite w = spool.open();
                InputStream in = Files.newInputStream(source)) {
            in.transferTo(w.stream());
            return w.commit("TEST");
        }
    }

    @Test
    void committedInstanceLandsInStudySeriesLayoutAndNothingTemporaryRemains() throws Exception {
        Spool spool = new Spool(dir, 0);
        SpooledInstance i = put(spool, MR);
        assertThat(i.path().getParent())
                .isEqualTo(dir.resolve(i.header().studyInstanceUid())
                        .resolve(i.header().seriesInstanceUid()));
        assertThat(i.path().getFileName().toString())
                .matches(i.header().sopInstanceUid().replace(".", "\\.") + "\\.w[0-9a-f]{16}\\.dcm");
        assertThat(Files.mismatch(i.path(), MR)).isEqualTo(-1L);
        try (Stream<Path> s = Files.list(dir.resolve(".incoming"))) {
            assertThat(s.count()).isZero();
        }
    }

    @Test
    void aSecondCopyOfOneInstanceHasAFileOfItsOwnAndWithdrawingItLeavesTheFirst() throws Exception {
        Spool spool = new Spool(dir, 0);
        SpooledInstance a = put(spool, MR);
        SpooledInstance b = put(spool, MR);
        assertThat(b.path()).isNotEqualTo(a.path()).hasParent(a.path().getParent());
        assertThat(spool.scan()).hasSize(2);
        spool.withdraw(b);
        assertThat(b.path()).doesNotExist();
        assertThat(Files.mismatch(a.path(), MR)).isEqualTo(-1L);
    }

    /**
     * The hourly recovery walks the spool one folder at a time: each series folder's committed files come in one call,
     * nothing from the temporary, damaged or quarantine folders.
     */
    @Test
    void committedFilesComeOneFolderAtATime() throws Exception {
        Spool spool = new Spool(dir, 0);
        SpooledInstance a = put(spool, MR);
        SpooledInstance b = put(spool, MR);
        Path other = Files.createDirectories(dir.resolve("1.2.3/1.2.3.4"));
        Path c = Files.copy(MR, other.resolve("1.2.3.4.5.w0000000000000001.dcm"));
        Files.writeString(other.resolve("notes.txt"), "not an instance");
        spool.quarantine(Files.copy(MR, other.resolve("1.2.3.4.6.w0000000000000002.dcm")), "test");
        java.util.Map<Path, java.util.List<Path>> seen = new java.util.HashMap<>();
        spool.forEachCommittedFolder((folder, files) -> assertThat(seen.put(folder, java.util.List.copyOf(files)))
                .as("one call per folder")
                .isNull());
        assertThat(seen).containsOnlyKeys(a.path().getParent(), other);
        assertThat(seen.get(a.path().getParent())).containsExactlyInAnyOrder(a.path(), b.path());
        assertThat(seen.get(other)).containsExactly(c);
        assertThat(spool.committedFiles()).containsExactlyInAnyOrder(a.path(), b.path(), c);
    }

    @Test
    void belowTheReserveNothingIsWritten() throws IOException {
        Spool spool = new Spool(dir, Long.MAX_VALUE);
        assertThatThrownBy(spool::open)
                .isInstanceOf(SpoolFullException.class)
                .hasMessageContaining("below the reserve");
        try (Stream<Path> s = Files.list(dir.resolve(".incoming"))) {
            assertThat(s.count()).isZero();
        }
    }

    @Test
    void aWriteThatTakesTheFreeSpaceBelowTheReserveStops() throws Exception {
        long free = new Spool(dir, 0).freeBytes();
        Spool spool = new Spool(dir, free - (8L << 20)); // 8 MiB above the reserve when the write starts
        Spool.PendingWrite w = spool.open();
        byte[] block = new byte[1 << 20];
        long written = 0;
        IOException stopped = null;
        try {
            for (; written < (256L << 20); written += block.length) { // noise from other writers stays far below
                w.stream().write(block);
            }
        } catch (IOException e) {
            stopped = e;
        }
        w.discard();
        assertThat(stopped).as("stopped after " + written + " bytes").isNotNull();
        assertThat(stopped.getMessage()).contains("fell below the reserve");
        assertThat(written).isLessThan(256L << 20);
    }

    @Test
    void unparseableDataIsRefusedAndDiscarded() throws Exception {
        Spool spool = new Spool(dir, 0);
        Spool.PendingWrite w = spool.open();
        w.stream().write("this is not DICOM at all".getBytes());
        assertThatThrownBy(() -> w.commit("TEST")).isInstanceOf(InvalidDicomException.class);
        assertThat(spool.scan()).isEmpty();
        try (Stream<Path> s = Files.list(dir.resolve(".incoming"))) {
            assertThat(s.count()).isZero();
        }
    }

    @Test
    void scanAfterACrashRemovesPartialWritesAndFindsCommittedOnes() throws Exception {
        Spool spool = new Spool(dir, 0);
        put(spool, MR);
        Path crashed = Files.writeString(dir.resolve(".incoming").resolve("crashed.part"), "half an instance");
        Files.setLastModifiedTime(
                crashed,
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Spool.STALE_PART.plusMinutes(1))));
        // another ingest node sharing the spool is writing this one right now (cluster, deploy/README.md)
        Path writing = Files.writeString(dir.resolve(".incoming").resolve("writing.part"), "an instance arriving");
        assertThat(new Spool(dir, 0).scan()).hasSize(1);
        assertThat(crashed).doesNotExist();
        assertThat(writing)
                .as("a recent temporary file belongs to a running write")
                .exists();
    }

    @Test
    void aCommittedFileThatNoLongerParsesIsQuarantinedWithItsReasonNotDeleted() throws Exception {
        Spool spool = new Spool(dir, 0);
        SpooledInstance i = put(spool, MR);
        Files.write(i.path(), new byte[] {1, 2, 3});
        assertThat(spool.scan()).isEmpty();
        assertThat(i.path()).doesNotExist();
        try (Stream<Path> s = Files.list(spool.quarantineDirectory())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList())
                    .hasSize(2)
                    .anyMatch(n -> n.endsWith(".reason.txt"));
        }
        assertThat(spool.committedFiles()).isEmpty();
    }
}
