package org.srinode.series;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.db.Database;
import org.srinode.dicom.TestPart10;
import org.srinode.spool.Spool;
import org.srinode.spool.SpooledInstance;

/**
 * The folder-at-a-time spool sweep: a registered file outside its series' folder is recognised by its path and left
 * alone (its row is not rewritten), and a database failure on one folder's rows leaves that folder for the next sweep
 * and goes on with the others (both failed before the sweep asked by path and caught per folder).
 */
class SpoolRecoverySweepTest {
    @TempDir
    Path tmp;

    private static Path old(Path f) throws Exception {
        Files.setLastModifiedTime(
                f, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        return f;
    }

    private static String[] row(DataSource ds, String sop) throws Exception {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT path, calling_ae, received_at FROM instance WHERE sop_uid = '" + sop + "'")) {
            return rs.next() ? new String[] {rs.getString(1), rs.getString(2), rs.getString(3)} : null;
        }
    }

    /**
     * A registered instance whose file lies in a folder not named by its Series Instance UID (here the study folder):
     * the old sweep skipped it (its path was among all the rows' paths); the new one asks for the rows of "series
     * 1.2.3.1" (the study folder's name), finds none, and re-registers the file every sweep: calling AE erased,
     * received_at moved, counted as "registered".
     */
    @Test
    void aRegisteredFileOutsideItsSeriesFolderIsLeftAlone() throws Exception {
        Path spool = Files.createDirectories(tmp.resolve("spool"));
        DataSource ds = org.srinode.db.TestDatabases.h2();
        Database db = new Database(ds);
        SeriesAssembler assembler = new SeriesAssembler(db, SpoolRecoveryMovedDataTest.config());
        Path f = old(TestPart10.mr("1.2.3.1.1.7")
                .pixels(4, 4, 32)
                .write(spool.resolve("1.2.3.1/1.2.3.1.1.7.dcm"), TestPart10.MR, "1.2.3.1.1.7"));
        SpooledInstance i = new Spool(spool, 0).reopen(f);
        assembler.onInstance(new SpooledInstance(i.header(), i.path(), i.sizeBytes(), "MODALITY_AE"));
        String[] before = row(ds, "1.2.3.1.1.7");
        assertThat(before[0]).isEqualTo(f.toString());
        Thread.sleep(50);
        new SpoolRecovery(db, assembler, spool.toString(), true).sweep();
        String[] after = row(ds, "1.2.3.1.1.7");
        assertThat(after)
                .as("the row of a registered file is not touched by the sweep (calling AE, received_at)")
                .containsExactly(before);
    }

    /**
     * The database fails once, on the query of one folder: the old sweep had read every row before the walk, and a
     * failure afterwards left one file for the next sweep; the new sweep throws out of the walk, so the later
     * folders are not recovered (and at start-up, recover() fails the start).
     */
    @Test
    void aDatabaseHiccupOnOneFolderDoesNotEndTheSweep() throws Exception {
        Path spool = Files.createDirectories(tmp.resolve("spool"));
        DataSource h2 = org.srinode.db.TestDatabases.h2();
        AtomicInteger folderQueries = new AtomicInteger();
        DataSource ds = (DataSource) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, a) -> {
                    Object r = m.invoke(h2, a);
                    if (!(r instanceof Connection c)) {
                        return r;
                    }
                    return Proxy.newProxyInstance(
                            getClass().getClassLoader(), new Class<?>[] {Connection.class}, (p2, m2, a2) -> {
                                if (m2.getName().equals("prepareStatement")
                                        && String.valueOf(a2[0]).contains("SELECT path FROM instance WHERE series_uid")
                                        && folderQueries.incrementAndGet() == 1) {
                                    throw new SQLException("connection reset", "08006");
                                }
                                try {
                                    return m2.invoke(c, a2);
                                } catch (java.lang.reflect.InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
                });
        Database db = new Database(ds);
        SeriesAssembler assembler = new SeriesAssembler(db, SpoolRecoveryMovedDataTest.config());
        old(TestPart10.mr("1.2.3.1.1.8")
                .pixels(4, 4, 32)
                .write(
                        spool.resolve("1.2.3.1/1.2.3.1.1/1.2.3.1.1.8.w0000000000000008.dcm"),
                        TestPart10.MR,
                        "1.2.3.1.1.8"));
        old(TestPart10.mr("1.2.3.9.9.9")
                .str(0x0020000D, "UI", "1.2.3.9")
                .str(0x0020000E, "UI", "1.2.3.9.9")
                .pixels(4, 4, 32)
                .write(
                        spool.resolve("1.2.3.9/1.2.3.9.9/1.2.3.9.9.9.w0000000000000009.dcm"),
                        TestPart10.MR,
                        "1.2.3.9.9.9"));
        SpoolRecovery recovery = new SpoolRecovery(db, assembler, spool.toString(), true);
        assertThatCode(recovery::sweep)
                .as("a failed query of one folder does not end the sweep")
                .doesNotThrowAnyException();
        assertThat(row(h2, "1.2.3.1.1.8") != null || row(h2, "1.2.3.9.9.9") != null)
                .as("the folder after the failed one is still recovered")
                .isTrue();
    }
}
