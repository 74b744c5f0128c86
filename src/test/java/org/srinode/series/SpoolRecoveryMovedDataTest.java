package org.srinode.series;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.db.Database;
import org.srinode.dicom.TestPart10;
import org.srinode.spool.Spool;

/**
 * Spool recovery after the data moved to another path (the rows still name the old one), with a stray copy of the
 * same instance beside the registered one: the registered copy is kept and its row re-pointed, the stray removed,
 * whichever of the two the walk meets first (both failed before copies were told apart by file name: the row was
 * re-pointed to the stray and the registered copy then removed as a stray).
 */
class SpoolRecoveryMovedDataTest {
    @TempDir
    Path tmp;

    private javax.sql.DataSource ds;

    /** Series that complete after an hour idle (never during a test), originals forwarded. */
    static SeriesConfig config() {
        return new SeriesConfig() {
            @Override
            public Duration idleTimeout() {
                return Duration.ofHours(1);
            }

            @Override
            public Duration forceCompleteAfter() {
                return Duration.ofHours(1);
            }

            @Override
            public boolean forwardOriginals() {
                return true;
            }
        };
    }

    private static Path copy(Path root, String write, String instanceNumber) throws Exception {
        Path f = TestPart10.mr("1.2.3.1.1.1")
                .str(0x00200013, "IS", instanceNumber)
                .pixels(4, 4, 32)
                .write(root.resolve("1.2.3.1/1.2.3.1.1/1.2.3.1.1.1." + write + ".dcm"), TestPart10.MR, "1.2.3.1.1.1");
        Files.setLastModifiedTime(
                f, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        return f;
    }

    private String pathOfRow() throws Exception {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT path FROM instance WHERE sop_uid = '1.2.3.1.1.1'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * The spool is reached through a link left behind at the old location (the rows name /old/...), and beside the
     * registered copy N lies a stray copy S (a re-send's earlier file whose removal a crash cut). Recovery must keep N.
     */
    @Test
    void aSpoolReachedThroughALinkAtItsOldPathKeepsTheRegisteredCopy() throws Exception {
        Path spool = Files.createDirectories(tmp.resolve("spool"));
        ds = org.srinode.db.TestDatabases.h2();
        Database db = new Database(ds);
        SeriesAssembler assembler = new SeriesAssembler(db, config());
        SpoolRecovery recovery = new SpoolRecovery(db, assembler, spool.toString(), true);
        Path a = copy(spool, "w00000000000000a1", "1");
        Path b = copy(spool, "w00000000000000b2", "2");
        // the copy recovery looks at first is the stray one; the other is the registered (acknowledged, newer) one
        List<Path> order = new Spool(spool, 0).committedFiles();
        Path stray = order.get(0);
        Path registered = order.get(1);
        Path oldLocation = Files.createSymbolicLink(tmp.resolve("spool-old"), spool);
        assembler.onInstance(new Spool(oldLocation, 0).reopen(oldLocation.resolve(spool.relativize(registered))));
        assertThat(Files.exists(a) && Files.exists(b)).isTrue();
        recovery.recover(null);
        assertThat(registered)
                .as("the registered copy, which the row named by its old path")
                .exists();
        assertThat(pathOfRow()).isEqualTo(registered.toString());
        assertThat(stray).doesNotExist();
    }

    /** The same with the data really moved (no link left): the rows name paths that no longer exist. */
    @Test
    void aSpoolMovedAwayFromThePathItsRowsNameKeepsTheRegisteredCopy() throws Exception {
        Path old = Files.createDirectories(tmp.resolve("old"));
        Path spool = Files.createDirectories(tmp.resolve("spool"));
        ds = org.srinode.db.TestDatabases.h2();
        Database db = new Database(ds);
        SeriesAssembler assembler = new SeriesAssembler(db, config());
        copy(old, "w00000000000000a1", "1");
        copy(old, "w00000000000000b2", "2");
        List<Path> order = new Spool(old, 0).committedFiles(); // a folder renamed keeps its order
        Path registeredOld = order.get(1);
        assembler.onInstance(new Spool(old, 0).reopen(registeredOld));
        Files.setLastModifiedTime(
                registeredOld,
                java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Files.move(old.resolve("1.2.3.1"), spool.resolve("1.2.3.1"));
        Path registered = spool.resolve(old.relativize(registeredOld));
        SpoolRecovery recovery = new SpoolRecovery(db, assembler, spool.toString(), true);
        recovery.recover(null);
        assertThat(registered)
                .as("the registered copy (the instance acknowledged last)")
                .exists();
        assertThat(pathOfRow()).isEqualTo(registered.toString());
        assertThat(spool.resolve(old.relativize(order.get(0))))
                .as("the stray copy")
                .doesNotExist();
    }
}
