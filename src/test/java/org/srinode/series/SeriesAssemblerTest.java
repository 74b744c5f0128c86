package org.srinode.series;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.srinode.db.Database;
import org.srinode.dicom.InstanceHeader;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.dicom.TestPart10;
import org.srinode.jobs.JobKind;
import org.srinode.jobs.JobQueue;
import org.srinode.spool.SpooledInstance;

/**
 * The series package on an in-memory H2 (issue 11 items 1, 2, 8; issue 17): registration under concurrency, the completion
 * policy, identity conflicts, start-up recovery, derived series and their withdrawal, operator actions.
 */
class SeriesAssemblerTest {
    @TempDir
    Path spool;

    private javax.sql.DataSource ds;

    /** Set by a test before {@link #assembler}: the database the parts see (a failing one, for example). */
    private java.util.function.UnaryOperator<javax.sql.DataSource> wrap = d -> d;

    /** An empty database for one test: an in-memory H2 here; {@link SeriesAssemblerOnPostgresTest} gives a PostgreSQL one. */
    javax.sql.DataSource newDatabase() throws Exception {
        return org.srinode.db.TestDatabases.h2();
    }

    /** The series package's parts on one database, as the node wires them. */
    record Parts(
            SeriesAssembler assembler,
            SeriesRecords records,
            DerivedSeries derived,
            OperatorActions actions,
            SpoolRecovery recovery) {}

    private Parts assembler(Duration idle) throws Exception {
        return assembler(idle, Duration.ofHours(1), true);
    }

    private Parts assembler(Duration idle, Duration cap, boolean forwardOriginals) throws Exception {
        ds = wrap.apply(newDatabase());
        Database db = new Database(ds);
        SeriesConfig config = new SeriesConfig() {
            @Override
            public Duration idleTimeout() {
                return idle;
            }

            @Override
            public Duration forceCompleteAfter() {
                return cap;
            }

            @Override
            public boolean forwardOriginals() {
                return forwardOriginals;
            }
        };
        SeriesAssembler assembler = new SeriesAssembler(db, config);
        return new Parts(
                assembler,
                new SeriesRecords(db),
                new DerivedSeries(db),
                new OperatorActions(db),
                new SpoolRecovery(db, assembler, spool.toString(), true));
    }

    /** An instance of {@code series} whose spool file exists (its content is not read here). */
    private SpooledInstance instance(String series, String sop) throws java.io.IOException {
        Path file = spool.resolve("1.2.9").resolve(series).resolve(sop + ".dcm");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Files.write(file, new byte[100]);
        }
        return new SpooledInstance(
                new InstanceHeader("1.2.840.10008.5.1.4.1.1.4", sop, "1.2.9", series, "MR", "1.2.840.10008.1.2"),
                file,
                100,
                "TEST");
    }

    private long count(String sql) throws Exception {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void oneSeriesOverEightConcurrentAssociationsLosesNothing() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int run = 0; run < 30; run++) {
                String series = "1.2.9.1." + run;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> f = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int part = t;
                    f.add(pool.submit(() -> {
                        go.await();
                        for (int k = part; k < 20; k += 8) {
                            a.assembler().onInstance(instance(series, series + "." + k));
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> x : f) {
                    x.get();
                }
                assertThat(a.records().find(series).orElseThrow().instances())
                        .as("run " + run)
                        .isEqualTo(20);
            }
            assertThat(count("SELECT COUNT(*) FROM series")).isEqualTo(30);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theCompletionPolicyIsTheIdleTimeoutOrTheCapWhicheverComesFirst() throws Exception {
        // neither due: an hour of idle time and an hour's cap; the series stays RECEIVING and has no job
        Parts open = assembler(Duration.ofHours(1), Duration.ofHours(1), true);
        open.assembler().onInstance(instance("1.2.9.20", "1.2.9.20.1"));
        assertThat(open.assembler().completeDue()).isEmpty();
        assertThat(open.records().find("1.2.9.20").orElseThrow().state()).isEqualTo("RECEIVING");
        assertThat(count("SELECT COUNT(*) FROM job")).isZero();
        // idle: no instance for the idle timeout; the originals are forwarded and assessed
        Parts idle = assembler(Duration.ZERO, Duration.ofHours(1), true);
        idle.assembler().onInstance(instance("1.2.9.21", "1.2.9.21.1"));
        assertThat(idle.assembler().completeDue())
                .extracting(SeriesInfo::seriesUid)
                .containsExactly("1.2.9.21");
        assertThat(count("SELECT COUNT(*) FROM job WHERE kind IN ('FORWARD', 'ASSESS') AND generation = 1"))
                .isEqualTo(2);
        // the cap: a series that keeps receiving (idle timeout not reached) is complete once its first instance is that
        // old;
        // with SRI_SERIES_FORWARD_ORIGINALS=false only its assessment is queued
        Parts capped = assembler(Duration.ofHours(1), Duration.ZERO, false);
        capped.assembler().onInstance(instance("1.2.9.22", "1.2.9.22.1"));
        capped.assembler().onInstance(instance("1.2.9.22", "1.2.9.22.2"));
        assertThat(capped.assembler().completeDue()).singleElement().satisfies(i -> {
            assertThat(i.state()).isEqualTo("COMPLETE");
            assertThat(i.instances()).isEqualTo(2);
        });
        assertThat(count("SELECT COUNT(*) FROM job WHERE kind = 'ASSESS'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM job WHERE kind = 'FORWARD'")).isZero();
        assertThat(capped.assembler().completeDue())
                .as("a complete series is not completed again")
                .isEmpty();
    }

    @Test
    void anInstanceArrivingWhileTheSeriesCompletesReopensIt() throws Exception {
        Parts a = assembler(Duration.ZERO);
        AtomicBoolean stop = new AtomicBoolean();
        Thread completer = new Thread(() -> {
            while (!stop.get()) {
                a.assembler().completeDue();
            }
        });
        completer.start();
        try {
            for (int k = 0; k < 300; k++) {
                a.assembler().onInstance(instance("1.2.9.2", "1.2.9.2." + k));
            }
        } finally {
            stop.set(true);
            completer.join();
        }
        a.assembler().completeDue();
        // every instance arrived before the completion that counts, or re-opened the series
        assertThat(count("SELECT COUNT(*) FROM instance i JOIN series s ON s.series_uid = i.series_uid "
                        + "WHERE i.received_at > s.completed_at"))
                .isZero();
        assertThat(
                        count(
                                "SELECT COUNT(*) FROM job WHERE kind = 'FORWARD' AND generation = (SELECT generation FROM series)"))
                .as("the last generation is forwarded")
                .isEqualTo(1);
    }

    @Test
    void oneSopInstanceUidInTwoSeriesIsRefusedNotMoved() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        a.assembler().onInstance(instance("1.2.9.3", "1.2.9.3.1"));
        assertThatThrownBy(() -> a.assembler().onInstance(instance("1.2.9.4", "1.2.9.3.1")))
                .isInstanceOfSatisfying(
                        InvalidDicomException.class,
                        e -> assertThat(e.kind()).isEqualTo(InvalidDicomException.Kind.IDENTITY_CONFLICT));
        assertThat(a.records().find("1.2.9.3").orElseThrow().instances()).isEqualTo(1);
        assertThat(a.records().find("1.2.9.4"))
                .as("the refused instance leaves no series behind")
                .isEmpty();
        a.assembler().onInstance(instance("1.2.9.3", "1.2.9.3.1")); // a re-send to the same series is fine
    }

    @Test
    void theNodesOwnOutputSentBackIsHeldNotReopenedAndItsSeriesTakesNoOtherInstances() throws Exception {
        // a PACS user sends the whole study to the node again: the derived series comes back with it
        Parts a = assembler(Duration.ofMillis(1));
        a.assembler().onInstance(instance("1.2.9.30", "1.2.9.30.1"));
        a.derived().registerDerived(List.of(derived("2.25.40", "2.25.40.1", "MR")), true, "1.2.9.30", "m 1", true);
        SpooledInstance back = new SpooledInstance(
                derived("2.25.40", "2.25.40.1", "MR").header(), Path.of("/spool/2.25.40/2.25.40.1.dcm"), 100, "PACS");
        assertThatThrownBy(() -> a.assembler().onInstance(back))
                .isInstanceOf(org.srinode.dicom.AlreadyHeldException.class)
                .hasMessageContaining("this node's own output");
        Thread.sleep(5);
        a.assembler().completeDue();
        SeriesInfo held = a.records().find("2.25.40").orElseThrow();
        assertThat(held.state()).isEqualTo("COMPLETE");
        assertThat(held.generation()).as("not re-opened").isEqualTo(1);
        assertThat(held.decision()).isEqualTo("DERIVED");
        assertThat(
                        count(
                                "SELECT COUNT(*) FROM instance WHERE sop_uid = '2.25.40.1' AND path = '/derived/2.25.40/2.25.40.1.dcm'"))
                .as("the node's own file stays registered")
                .isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM job WHERE series_uid = '2.25.40'"))
                .as("no second FORWARD, no ASSESS")
                .isEqualTo(2);
        // an instance the node did not make, given the derived series' UID (it can be computed from the source's)
        assertThatThrownBy(() -> a.assembler().onInstance(instance("2.25.40", "2.25.40.99")))
                .isInstanceOfSatisfying(
                        InvalidDicomException.class,
                        e -> assertThat(e.kind()).isEqualTo(InvalidDicomException.Kind.IDENTITY_CONFLICT))
                .hasMessageContaining("is a series this node made (derived from 1.2.9.30)");
        assertThat(a.records().find("2.25.40").orElseThrow().instances()).isEqualTo(1);
        assertThat(a.records().find("2.25.40").orElseThrow().generation()).isEqualTo(1);
    }

    /** Two spooled files of series 1.2.3.1.1 not in the database: one registrable, one with a 28-character Modality. */
    private record Spooled(Path good, Path poison) {}

    private Spooled goodAndPoison() throws Exception {
        Path good = TestPart10.mr("1.2.3.1.1.1")
                .pixels(4, 4, 32)
                .write(spool.resolve("1.2.3.1/1.2.3.1.1/1.2.3.1.1.1.dcm"), TestPart10.MR, "1.2.3.1.1.1");
        Path poison = TestPart10.mr("1.2.3.1.1.2")
                .str(0x00080060, "CS", "MR_WITH_A_VERY_LONG_MODALITY")
                .pixels(4, 4, 32)
                .write(spool.resolve("1.2.3.1/1.2.3.1.1/1.2.3.1.1.2.dcm"), TestPart10.MR, "1.2.3.1.1.2");
        for (Path f : List.of(good, poison)) { // written before a crash an hour ago: recovery looks at them
            Files.setLastModifiedTime(
                    f, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        }
        return new Spooled(good, poison);
    }

    /** A spooled copy of instance 1.2.3.1.1.1 (series 1.2.3.1.1) in the file of write {@code write}. */
    private Path copy(String write, String instanceNumber) throws Exception {
        return TestPart10.mr("1.2.3.1.1.1")
                .str(0x00200013, "IS", instanceNumber)
                .pixels(4, 4, 32)
                .write(spool.resolve("1.2.3.1/1.2.3.1.1/1.2.3.1.1.1." + write + ".dcm"), TestPart10.MR, "1.2.3.1.1.1");
    }

    private long rowsNaming(Path f) throws Exception {
        return count("SELECT COUNT(*) FROM instance WHERE path = '" + f + "'");
    }

    @Test
    void aReSentInstancesRowNamesTheNewCopyAndTheEarlierFileGoesAfterTheCommit() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        org.srinode.spool.Spool files = new org.srinode.spool.Spool(spool, 0);
        Path first = copy("w00000000000000a1", "1");
        a.assembler().onInstance(files.reopen(first));
        Path second = copy("w00000000000000b2", "2");
        a.assembler().onInstance(files.reopen(second));
        assertThat(rowsNaming(second)).isEqualTo(1);
        assertThat(rowsNaming(first)).isZero();
        assertThat(first)
                .as("the earlier copy's file, named by no row any more")
                .doesNotExist();
        assertThat(a.records().find("1.2.3.1.1").orElseThrow().instances()).isEqualTo(1);
    }

    /** Faults the database of {@link #faulty} shows, each once when set (down: while set). */
    private static final class Faults {
        final AtomicBoolean committedThenLost = new AtomicBoolean(); // COMMIT done, its answer lost
        final AtomicBoolean lostBeforeCommit = new AtomicBoolean(); // COMMIT failed, rolled back, the same error
        final AtomicBoolean lockTimeout = new AtomicBoolean(); // the next statement fails (rolled back)
        final AtomicBoolean downAfterCommitFault = new AtomicBoolean();
        final AtomicBoolean down = new AtomicBoolean();
    }

    /** A database that shows the {@link Faults} set while it runs. */
    private static javax.sql.DataSource faulty(javax.sql.DataSource real, Faults faults) {
        ClassLoader loader = SeriesAssemblerTest.class.getClassLoader();
        return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(
                loader, new Class<?>[] {javax.sql.DataSource.class}, (p, m, args) -> {
                    if (m.getName().equals("getConnection") && faults.down.get()) {
                        throw new java.sql.SQLException("connection refused", "08001");
                    }
                    Object r = invoke(real, m, args);
                    if (!(r instanceof Connection c)) {
                        return r;
                    }
                    return java.lang.reflect.Proxy.newProxyInstance(
                            loader, new Class<?>[] {Connection.class}, (cp, cm, ca) -> {
                                if (cm.getName().equals("prepareStatement") && faults.lockTimeout.getAndSet(false)) {
                                    throw new java.sql.SQLException("lock timeout", "55P03");
                                }
                                if (cm.getName().equals("commit")) {
                                    boolean done = faults.committedThenLost.getAndSet(false);
                                    boolean notDone = faults.lostBeforeCommit.getAndSet(false);
                                    if (done || notDone) {
                                        invoke(c, c.getClass().getMethod(done ? "commit" : "rollback"), null);
                                        faults.down.set(faults.downAfterCommitFault.get());
                                        throw new java.sql.SQLException("connection reset at COMMIT", "08006");
                                    }
                                }
                                return invoke(c, cm, ca);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void aFailedRegistrationSaysWhetherItCommittedRolledBackOrIsUnknown() throws Exception {
        Faults faults = new Faults();
        wrap = real -> faulty(real, faults);
        Parts a = assembler(Duration.ofHours(1));
        org.srinode.spool.Spool files = new org.srinode.spool.Spool(spool, 0);
        Path first = copy("w00000000000000a1", "1");
        a.assembler().onInstance(files.reopen(first));
        // committed, its answer lost: found, it stands (threw before: the caller removed a file its row names)
        Path second = copy("w00000000000000b2", "2");
        faults.committedThenLost.set(true);
        a.assembler().onInstance(files.reopen(second));
        assertThat(rowsNaming(second)).isEqualTo(1);
        assertThat(first).doesNotExist();
        // a statement failed: rolled back for certain, the caller removes its file
        org.srinode.spool.SpooledInstance third = files.reopen(copy("w00000000000000c3", "3"));
        faults.lockTimeout.set(true);
        assertThatThrownBy(() -> a.assembler().onInstance(third))
                .isInstanceOf(org.srinode.spool.RegistrationFailedException.class);
        // the COMMIT failed and the row is not visible: it may still commit on the server, the caller keeps its file
        faults.lostBeforeCommit.set(true);
        assertThatThrownBy(() -> a.assembler().onInstance(third))
                .isInstanceOf(org.srinode.spool.RegistrationUnknownException.class)
                .hasMessageContaining("failed at COMMIT");
        // the COMMIT failed and the database is gone before it can be asked: unknown too
        faults.committedThenLost.set(true);
        faults.downAfterCommitFault.set(true);
        assertThatThrownBy(() -> a.assembler().onInstance(third))
                .isInstanceOf(org.srinode.spool.RegistrationUnknownException.class)
                .hasMessageContaining("could not then say whether it committed");
        faults.down.set(false);
        assertThat(rowsNaming(third.path())).as("it did commit").isEqualTo(1);
    }

    @Test
    void startUpRemovesAnOldUnregisteredCopyOfARegisteredInstanceAndReplacesOneWhoseFileIsGone() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        Path registered = copy("w00000000000000a1", "1");
        a.assembler().onInstance(new org.srinode.spool.Spool(spool, 0).reopen(registered));
        // a re-send whose registration was refused or rolled back, its file left behind an hour ago (a crash before the
        // removal), and one written a moment ago (in a cluster, perhaps another node's registration in progress)
        Path old = copy("w00000000000000b2", "2");
        Files.setLastModifiedTime(
                old, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        Path young = copy("w00000000000000c3", "3");
        a.recovery().recover(null);
        assertThat(rowsNaming(registered))
                .as("recovery took a stray copy for the instance before")
                .isEqualTo(1);
        assertThat(old).doesNotExist();
        assertThat(young).exists();
        // the file the row names is gone: the copy left, once old enough, is the instance now
        Files.delete(registered);
        a.recovery().recover(null);
        assertThat(rowsNaming(young))
                .as("too young: perhaps a registration in progress")
                .isZero();
        Files.setLastModifiedTime(
                young, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        a.recovery().recover(null);
        assertThat(rowsNaming(young)).isEqualTo(1);
        assertThat(a.records().find("1.2.3.1.1").orElseThrow().instances()).isEqualTo(1);
    }

    @Test
    void aRegistrationWhoseFileIsGoneIsRefused() throws Exception {
        // start-up recovery removed it as a stray while this registration waited for the series' lock
        Parts a = assembler(Duration.ofHours(1));
        SpooledInstance i = instance("1.2.3.70", "1.2.3.70.1");
        Files.delete(i.path());
        assertThatThrownBy(() -> a.assembler().onInstance(i))
                .isInstanceOf(org.srinode.spool.RegistrationFailedException.class)
                .hasMessageContaining("is gone");
        assertThat(a.records().find("1.2.3.70")).isEmpty();
    }

    @Test
    void startUpRepointsARowThatNamesTheSameFileByAnotherPathAndDeletesNothing() throws Exception {
        // the data moved: the rows name the old path, which still leads to the files (a link left behind)
        Parts a = assembler(Duration.ofHours(1));
        Path file = copy("w00000000000000a1", "1");
        Files.setLastModifiedTime(
                file, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofDays(3))));
        Path oldLocation = Files.createSymbolicLink(spool.resolveSibling(spool.getFileName() + "-old"), spool);
        a.assembler()
                .onInstance(new org.srinode.spool.Spool(oldLocation, 0)
                        .reopen(oldLocation.resolve(spool.relativize(file))));
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE series SET state = 'COMPLETE' WHERE series_uid = '1.2.3.1.1'");
        }
        a.recovery().recover(null);
        assertThat(file).as("the one copy there is").exists();
        assertThat(rowsNaming(file)).isEqualTo(1);
        assertThat(a.records().find("1.2.3.1.1").orElseThrow().generation())
                .as("a path repaired is no new instance: the series is not re-opened")
                .isEqualTo(1);
    }

    @Test
    void aSpooledFileThatCanBeNeitherReadNorQuarantinedStaysAndStartUpGoesOn() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        Spooled spooled = goodAndPoison();
        Path loop = spool.resolve("1.2.3.1/1.2.3.1.1/1.2.3.1.1.3.dcm");
        Files.createSymbolicLink(loop, loop.getFileName()); // cannot be opened: too many levels of links
        Files.writeString(spool.resolve(".quarantine"), "a file where the quarantine folder should be");
        a.recovery().recover(null); // threw before: the quarantine failure ended the start-up
        assertThat(a.records().find("1.2.3.1.1").orElseThrow().instances()).isEqualTo(1);
        assertThat(spooled.good()).exists();
        assertThat(spooled.poison())
                .as("it could not be moved away: it stays for the next start")
                .exists();
        assertThat(Files.isSymbolicLink(loop)).isTrue();
    }

    @Test
    void aSpooledFileThatCannotBeRegisteredIsQuarantinedAndStartUpGoesOn() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        Spooled spooled = goodAndPoison();
        a.recovery().recover(null);
        assertThat(a.records().find("1.2.3.1.1").orElseThrow().instances()).isEqualTo(1);
        assertThat(spooled.good()).exists();
        assertThat(spooled.poison()).doesNotExist();
        try (var q = Files.list(spool.resolve(".quarantine"))) {
            List<Path> files = q.toList();
            assertThat(files).hasSize(2);
            Path reason = files.stream()
                    .filter(p -> p.toString().endsWith(".reason.txt"))
                    .findFirst()
                    .orElseThrow();
            assertThat(Files.readString(reason)).contains("Modality (0008,0060)");
        }
        a.recovery().recover(null); // a second start finds nothing left to do
    }

    private static SpooledInstance derived(String series, String sop, String modality) {
        return new SpooledInstance(
                new InstanceHeader("1.2.840.10008.5.1.4.1.1.4", sop, "1.2.9", series, modality, "1.2.840.10008.1.2"),
                Path.of("/derived/" + series + "/" + sop + ".dcm"),
                100,
                "SRI_NODE");
    }

    private String jobState(String series, String kind) throws Exception {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT state FROM job WHERE series_uid = '" + series + "' AND kind = '" + kind + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void supersessionWithdrawsEarlierOutputsCancelsWhatDidNotLeaveAndRejectsWhatMayHave() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        a.assembler().onInstance(instance("1.2.9.7", "1.2.9.7.1"));
        // generation 1: derived series A was forwarded (its FORWARD job ran), its Segmentation B was not yet
        a.derived()
                .registerDerived(
                        List.of(derived("2.25.1", "2.25.1.1", "MR"), derived("2.25.1", "2.25.1.2", "MR")),
                        true,
                        "1.2.9.7",
                        "m 1",
                        true);
        a.derived().registerDerived(List.of(derived("2.25.2", "2.25.2.1", "SEG")), true, "1.2.9.7", "m 1", false);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'DONE' WHERE series_uid = '2.25.1'");
        }
        List<List<DerivedSeries.Superseded>> noted = new ArrayList<>();
        List<DerivedSeries.Superseded> done = a.derived()
                .supersede("1.2.9.7", java.util.Set.of("2.25.3"), "2.25.3", w -> {
                    noted.add(w);
                    return derived("2.25.9", "2.25.9.1", "KO");
                });
        assertThat(done).extracting(x -> x.series().seriesUid()).containsExactlyInAnyOrder("2.25.1", "2.25.2");
        assertThat(noted).hasSize(1);
        assertThat(noted.get(0).stream()
                        .flatMap(x -> x.delivered().stream())
                        .map(org.srinode.dicom.RejectionNote.Withdrawn::sopInstanceUid))
                .as("only what may have reached the destination is rejected")
                .containsExactlyInAnyOrder("2.25.1.1", "2.25.1.2");
        assertThat(jobState("2.25.2", "FORWARD")).isEqualTo("CANCELLED");
        assertThat(jobState("2.25.1", "PUBLISH")).isEqualTo("DONE");
        assertThat(jobState("2.25.9", "FORWARD")).as("the note is forwarded").isEqualTo("PENDING");
        assertThat(a.records().find("2.25.1").orElseThrow().supersededBy()).isEqualTo("2.25.3");
        assertThat(a.records().find("2.25.9").orElseThrow().supersededBy()).isNull();
        // again (a retried job): nothing left to withdraw, no second note; the note itself is never withdrawn
        assertThat(a.derived().supersede("1.2.9.7", java.util.Set.of("2.25.3"), "2.25.3", w -> {
                    throw new AssertionError("no note expected");
                }))
                .isEmpty();
        // nothing delivered: withdrawn without a note
        a.derived().registerDerived(List.of(derived("2.25.3", "2.25.3.1", "MR")), false, "1.2.9.7", "m 1", false);
        assertThat(a.derived().supersede("1.2.9.7", java.util.Set.of(), "NOT_ENHANCED", w -> {
                    throw new AssertionError("no note expected");
                }))
                .extracting(x -> x.series().seriesUid())
                .containsExactly("2.25.3");
        assertThat(a.records().derivedOf("1.2.9.7").get(0).seriesUid())
                .as("the current (not superseded) first")
                .isEqualTo("2.25.9");
    }

    @Test
    void aWithdrawalThatNoNewPublicationReplacesIsPublishedOnItsOwnOnlyWhenTheEhrWasTold() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        a.assembler().onInstance(instance("1.2.9.8", "1.2.9.8.1"));
        a.derived().registerDerived(List.of(derived("2.25.4", "2.25.4.1", "MR")), false, "1.2.9.8", "m 1", true);
        // its PUBLISH job never ran: the EHR knows nothing, so there is nothing to withdraw there
        assertThat(a.derived().supersede("1.2.9.8", java.util.Set.of(), "NOT_ENHANCED", w -> null))
                .hasSize(1);
        assertThat(jobState("2.25.4", "PUBLISH")).isEqualTo("CANCELLED");
        assertThat(jobState("1.2.9.8", "PUBLISH")).isNull();
        // published, then withdrawn with no replacement: a PUBLISH job of the source withdraws it in FHIR
        a.derived().registerDerived(List.of(derived("2.25.5", "2.25.5.1", "MR")), false, "1.2.9.8", "m 1", true);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'DONE' WHERE series_uid = '2.25.5'");
        }
        assertThat(a.derived().supersede("1.2.9.8", java.util.Set.of(), "NOT_ENHANCED", w -> null))
                .hasSize(1);
        assertThat(jobState("1.2.9.8", "PUBLISH")).isEqualTo("PENDING");
        // published, then replaced by a series that is published itself: its publication withdraws, no extra job
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM job WHERE series_uid = '1.2.9.8' AND kind = 'PUBLISH'");
        }
        a.derived().registerDerived(List.of(derived("2.25.6", "2.25.6.1", "MR")), false, "1.2.9.8", "m 1", true);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'RUNNING' WHERE series_uid = '2.25.6'");
        }
        a.derived()
                .supersede(
                        "1.2.9.8",
                        0,
                        List.of(new DerivedSeries.Derived(
                                List.of(derived("2.25.7", "2.25.7.1", "MR")), false, "m 1", true)),
                        java.util.Set.of(),
                        "2.25.7",
                        w -> null,
                        c -> null);
        assertThat(a.records().find("2.25.6").orElseThrow().supersededBy()).isEqualTo("2.25.7");
        assertThat(jobState("1.2.9.8", "PUBLISH")).isNull();
    }

    @Test
    void theOutcomeOfAnEnhancementCommitsWithItsDerivedSeriesOrNotAtAll() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        a.assembler().onInstance(instance("1.2.9.11", "1.2.9.11.1"));
        int generation = a.records().find("1.2.9.11").orElseThrow().generation();
        DerivedSeries.Derived out =
                new DerivedSeries.Derived(List.of(derived("2.25.20", "2.25.20.1", "MR")), false, "m 1", true);
        // a failure after the outcome is written rolls both back: no HELD without its series
        assertThatThrownBy(() -> a.derived()
                        .supersede(
                                "1.2.9.11", generation, List.of(out), java.util.Set.of(), "2.25.20", w -> null, c -> {
                                    SeriesRecords.recordEnhancement(c, "1.2.9.11", generation, 0.5, Outcome.HELD);
                                    throw new java.sql.SQLException("disk full");
                                }))
                .hasMessageContaining("disk full");
        assertThat(a.records().find("1.2.9.11").orElseThrow().outcome()).isNull();
        assertThat(a.records().find("2.25.20")).isEmpty();
        // a stale generation records neither
        assertThatThrownBy(() -> a.derived()
                        .supersede(
                                "1.2.9.11",
                                generation + 1,
                                List.of(out),
                                java.util.Set.of(),
                                "2.25.20",
                                w -> null,
                                c -> {
                                    SeriesRecords.recordEnhancement(c, "1.2.9.11", generation, 0.5, Outcome.HELD);
                                    return null;
                                }))
                .isInstanceOf(DerivedSeries.StaleGeneration.class);
        assertThat(a.records().find("1.2.9.11").orElseThrow().outcome()).isNull();
        // committed: both at once
        a.derived().supersede("1.2.9.11", generation, List.of(out), java.util.Set.of(), "2.25.20", w -> null, c -> {
            SeriesRecords.recordEnhancement(c, "1.2.9.11", generation, 0.5, Outcome.HELD);
            return null;
        });
        assertThat(a.records().find("1.2.9.11").orElseThrow().outcome()).isEqualTo(Outcome.HELD);
        assertThat(a.records().find("2.25.20")).isPresent();
    }

    @Test
    void aResultCommitsWithItsJobAndNeitherALateJobNorAnOperatorOverwritesANewerState() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        a.assembler().onInstance(instance("1.2.9.12", "1.2.9.12.1"));
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE series SET state = 'COMPLETE', decision = 'ENHANCE' WHERE series_uid = '1.2.9.12'");
            JobQueue.enqueue(c, JobKind.ENHANCE, "1.2.9.12", 1);
        }
        JobQueue q = new JobQueue(ds);
        org.srinode.jobs.Job job = q.claimDue(JobKind.ENHANCE, 1).get(0);
        DerivedSeries.Derived out =
                new DerivedSeries.Derived(List.of(derived("2.25.30", "2.25.30.1", "MR")), false, "m 1", true);
        // the result and the job's completion commit together: a failure after both rolls both back, so a crash can
        // never leave a result whose job runs again over it
        assertThatThrownBy(() -> a.derived()
                        .supersede("1.2.9.12", 1, List.of(out), java.util.Set.of(), "2.25.30", w -> null, c -> {
                            assertThat(q.succeeded(c, job.id())).isTrue();
                            SeriesRecords.recordEnhancement(c, "1.2.9.12", 1, 0.5, Outcome.HELD);
                            throw new java.sql.SQLException("disk full");
                        }))
                .hasMessageContaining("disk full");
        assertThat(jobState("1.2.9.12", "ENHANCE")).isEqualTo("RUNNING");
        // an operator cannot release a held output while an enhancement that will replace it is pending or running
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE series SET outcome = 'HELD' WHERE series_uid = '1.2.9.12'");
        }
        assertThatThrownBy(() -> a.actions().release("1.2.9.12", "otto", "looks fine"))
                .isInstanceOf(OperatorActions.NotApplicable.class)
                .hasMessageContaining("enhancement of series 1.2.9.12 is running");
        a.derived().supersede("1.2.9.12", 1, List.of(out), java.util.Set.of(), "2.25.30", w -> null, c -> {
            assertThat(q.succeeded(c, job.id())).isTrue();
            SeriesRecords.recordEnhancement(c, "1.2.9.12", 1, 0.5, Outcome.HELD);
            return null;
        });
        assertThat(jobState("1.2.9.12", "ENHANCE")).isEqualTo("DONE");
        try (Connection c = ds.getConnection()) {
            assertThat(q.succeeded(c, job.id()))
                    .as("a job that is no longer running under this node is not completed again")
                    .isFalse();
        }
        assertThat(a.actions().release("1.2.9.12", "otto", "looks fine")).containsExactly("2.25.30");
        assertThat(a.records().find("1.2.9.12").orElseThrow().outcomeReason())
                .isEqualTo("released by otto: looks fine");
        // a late instance re-opens the series: the outcome, its reason and the score of generation 1 go with it
        a.assembler().onInstance(instance("1.2.9.12", "1.2.9.12.2"));
        SeriesInfo reopened = a.records().find("1.2.9.12").orElseThrow();
        assertThat(reopened.generation()).isEqualTo(2);
        assertThat(reopened.outcome()).isNull();
        assertThat(reopened.outcomeReason())
                .as("not the release of generation 1")
                .isNull();
        // a late retry of generation 1's assessment writes nothing over generation 2's decision
        a.records().recordDecision("1.2.9.12", 2, "WAITING_FOR_MODEL");
        assertThatThrownBy(() -> a.records().recordAssessment("1.2.9.12", 1, "{}"))
                .isInstanceOf(DerivedSeries.StaleGeneration.class);
        assertThatThrownBy(() -> a.records().recordDecision("1.2.9.12", 1, "FORWARD_ONLY"))
                .isInstanceOf(DerivedSeries.StaleGeneration.class);
        assertThat(a.records().find("1.2.9.12").orElseThrow().decision()).isEqualTo("WAITING_FOR_MODEL");
        // a model arrives: the waiting generation (and only it, once) is queued with its decision, in one transaction
        assertThat(a.records().leaveWaiting("1.2.9.12", 1, "WAITING_FOR_MODEL", JobKind.ENHANCE))
                .isFalse();
        assertThat(a.records().leaveWaiting("1.2.9.12", 2, "WAITING_FOR_MODEL", JobKind.ENHANCE))
                .isTrue();
        assertThat(a.records().leaveWaiting("1.2.9.12", 2, "WAITING_FOR_MODEL", JobKind.ENHANCE))
                .isFalse();
        assertThat(a.records().find("1.2.9.12").orElseThrow().decision()).isEqualTo("ENHANCE");
        assertThat(count("SELECT COUNT(*) FROM job WHERE series_uid = '1.2.9.12' AND kind = 'ENHANCE' "
                        + "AND generation = 2 AND state = 'PENDING'"))
                .isEqualTo(1);
        // its enhancement fails for good: recorded only while that job is DEAD, at its generation and run
        long enhance2 =
                count("SELECT id FROM job WHERE series_uid = '1.2.9.12' AND kind = 'ENHANCE' AND generation = 2");
        String why = "enhancement failed 3 time(s), last: out of memory";
        assertThat(a.records().recordFailure("1.2.9.12", 2, 1, enhance2, why))
                .as("the job is not DEAD")
                .isFalse();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'DEAD' WHERE id = " + enhance2);
        }
        assertThat(a.records().recordFailure("1.2.9.12", 1, 1, enhance2, why)).isFalse();
        assertThat(a.records().recordFailure("1.2.9.12", 2, 2, enhance2, why)).isFalse();
        // while a derived series is current (here generation 1's, released) its outcome stays: it can still be acted on
        assertThat(a.records().recordFailure("1.2.9.12", 2, 1, enhance2, why)).isTrue();
        assertThat(a.records().find("1.2.9.12").orElseThrow().outcome()).isNull();
        assertThat(a.records().find("1.2.9.12").orElseThrow().outcomeReason()).isEqualTo(why);
        // recorded as a step of the supersession that withdraws that output (the enhance stage at a later generation):
        // the step runs before the withdrawal, so it must not be kept by the output it withdraws
        a.derived().supersede("1.2.9.12", 2, List.of(), java.util.Set.of(), "NOT_ENHANCED", w -> null, c -> {
            assertThat(SeriesRecords.recordFailure(c, "1.2.9.12", 2, 1, enhance2, why, true))
                    .isTrue();
            return null;
        });
        assertThat(a.records().find("2.25.30").orElseThrow().supersededBy()).isEqualTo("NOT_ENHANCED");
        assertThat(a.records().find("1.2.9.12").orElseThrow().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(a.records().recordFailure("1.2.9.12", 2, 1, enhance2, why)).isTrue();
        SeriesInfo failed = a.records().find("1.2.9.12").orElseThrow();
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.outcomeReason()).isEqualTo(why);
        // a requeued job that then succeeds replaces outcome and failure reason; an operator's reason stays
        try (Connection c = ds.getConnection()) {
            SeriesRecords.recordEnhancement(c, "1.2.9.12", 2, 0.1, Outcome.ENHANCED);
        }
        SeriesInfo enhanced = a.records().find("1.2.9.12").orElseThrow();
        assertThat(enhanced.outcome()).isEqualTo(Outcome.ENHANCED);
        assertThat(enhanced.outcomeReason()).isNull();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate(
                    "UPDATE series SET outcome_reason = 'enhanced again at the request of otto: x' WHERE series_uid = '1.2.9.12'");
            SeriesRecords.recordEnhancement(c, "1.2.9.12", 2, 0.1, Outcome.HELD);
        }
        assertThat(a.records().find("1.2.9.12").orElseThrow().outcomeReason())
                .isEqualTo("enhanced again at the request of otto: x");
    }

    @Test
    void operatorsDiscardOutputAndHaveASeriesEnhancedAgainOnlyWhenThatMeansSomething() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        a.assembler().onInstance(instance("1.2.9.9", "1.2.9.9.1"));
        assertThatThrownBy(() -> a.actions().enhanceAgain("1.2.9.9", "otto", "why"))
                .as("still receiving")
                .isInstanceOf(OperatorActions.NotApplicable.class)
                .hasMessageContaining("RECEIVING");
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate(
                    "UPDATE series SET state = 'COMPLETE', decision = 'FORWARD_ONLY' WHERE series_uid = '1.2.9.9'");
        }
        assertThatThrownBy(() -> a.actions().enhanceAgain("1.2.9.9", "otto", "why"))
                .hasMessageContaining("not routed to enhancement");
        try (Connection c = ds.getConnection()) {
            JobQueue.enqueue(c, JobKind.ENHANCE, "1.2.9.9", 1);
        }
        assertThatThrownBy(() -> a.actions().enhanceAgain("1.2.9.9", "otto", "why"))
                .hasMessageContaining("pending already");
        assertThatThrownBy(() -> a.actions().discard("1.2.9.9", "otto", "why", w -> null))
                .as("its output would replace the discarded one")
                .hasMessageContaining("is pending");
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'DONE', attempts = 1 WHERE series_uid = '1.2.9.9'");
        }
        assertThatThrownBy(() -> a.actions().discard("1.2.9.9", "otto", "why", w -> null))
                .hasMessageContaining("no current derived output");
        // the enhanced series was delivered, its Segmentation not yet: both withdrawn, a rejection note for the
        // delivered one
        a.derived().registerDerived(List.of(derived("2.25.11", "2.25.11.1", "MR")), true, "1.2.9.9", "m 1", true);
        a.derived().registerDerived(List.of(derived("2.25.12", "2.25.12.1", "SEG")), true, "1.2.9.9", "m 1", false);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'DONE' WHERE series_uid = '2.25.11'");
        }
        assertThatThrownBy(() -> a.actions().discard("2.25.11", "otto", "why", w -> null))
                .hasMessageContaining("act on that acquired series");
        List<DerivedSeries.Superseded> gone =
                a.actions().discard("1.2.9.9", "otto", "artefacts", w -> derived("2.25.19", "2.25.19.1", "KO"));
        assertThat(gone).extracting(x -> x.series().seriesUid()).containsExactlyInAnyOrder("2.25.11", "2.25.12");
        assertThat(a.records().find("2.25.11").orElseThrow().supersededBy()).isEqualTo(DerivedSeries.DISCARDED);
        assertThat(jobState("2.25.12", "FORWARD")).isEqualTo("CANCELLED");
        assertThat(jobState("2.25.19", "FORWARD"))
                .as("the rejection note goes out")
                .isEqualTo("PENDING");
        assertThat(jobState("1.2.9.9", "PUBLISH"))
                .as("the EHR was told: a withdrawal publication")
                .isEqualTo("PENDING");
        SeriesInfo source = a.records().find("1.2.9.9").orElseThrow();
        assertThat(source.outcome()).isEqualTo(Outcome.DISCARDED);
        assertThat(source.outcomeReason()).isEqualTo("discarded by otto: artefacts");
        // enhanced again: the job is due with its attempts reset, and the run number (part of the derived UIDs) goes up
        assertThat(a.actions().enhanceAgain("1.2.9.9", "otto", "new model")).isEqualTo(2);
        assertThat(jobState("1.2.9.9", "ENHANCE")).isEqualTo("PENDING");
        assertThat(count("SELECT attempts FROM job WHERE series_uid = '1.2.9.9' AND kind = 'ENHANCE'"))
                .isZero();
        assertThat(a.records().find("1.2.9.9").orElseThrow().enhanceRun()).isEqualTo(2);
        assertThatThrownBy(() -> a.actions().enhanceAgain("1.2.9.9", "otto", "twice"))
                .hasMessageContaining("pending already");
        assertThatThrownBy(() -> a.actions().enhanceAgain("9.9.9", "otto", "why"))
                .hasMessageContaining("no series 9.9.9");
        // the re-run's output is published, then discarded too: the withdrawal is published again, not dropped as a
        // duplicate
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'DONE' WHERE series_uid = '1.2.9.9'");
        }
        a.derived().registerDerived(List.of(derived("2.25.13", "2.25.13.1", "MR")), true, "1.2.9.9", "m 1", true);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'DONE' WHERE series_uid = '2.25.13'");
            s.executeUpdate(
                    "UPDATE job SET state = 'RUNNING', claimed_by = 'node' WHERE series_uid = '1.2.9.9' AND kind = 'PUBLISH'");
        }
        a.actions().discard("1.2.9.9", "otto", "still wrong", w -> derived("2.25.20", "2.25.20.1", "KO"));
        assertThat(jobState("1.2.9.9", "PUBLISH"))
                .as("running now: it runs again when done, never twice at once")
                .isEqualTo("RUNNING");
        long publish = count("SELECT id FROM job WHERE series_uid = '1.2.9.9' AND kind = 'PUBLISH'");
        new JobQueue(ds).succeeded(publish);
        assertThat(jobState("1.2.9.9", "PUBLISH")).isEqualTo("PENDING");
        // late instances re-open the series: its run starts again at 1, and nothing is discarded while it is not
        // complete
        a.assembler().onInstance(instance("1.2.9.9", "1.2.9.9.2"));
        assertThat(a.records().find("1.2.9.9").orElseThrow().enhanceRun()).isEqualTo(1);
        assertThatThrownBy(() -> a.actions().discard("1.2.9.9", "otto", "why", w -> null))
                .hasMessageContaining("is RECEIVING");
    }

    @Test
    void claimOrderingRulesHoldWithinAndAcrossClaims() throws Exception {
        Parts a = assembler(Duration.ofHours(1));
        org.srinode.jobs.JobQueue jobs = new org.srinode.jobs.JobQueue(ds);
        a.assembler().onInstance(instance("1.2.9.10", "1.2.9.10.1"));
        a.assembler().onInstance(instance("1.2.9.11", "1.2.9.11.1")); // same study 1.2.9
        // two publications of one study: one at a time, even within one claim
        a.derived().registerDerived(List.of(derived("2.25.10", "2.25.10.1", "MR")), false, "1.2.9.10", "m 1", true);
        a.derived().registerDerived(List.of(derived("2.25.11", "2.25.11.1", "MR")), false, "1.2.9.11", "m 1", true);
        List<org.srinode.jobs.Job> first =
                jobs.claimDue(SeriesAssembler.PUBLISH, 2, SeriesAssembler.ONE_PUBLICATION_PER_STUDY);
        assertThat(first).hasSize(1);
        assertThat(jobs.claimDue(SeriesAssembler.PUBLISH, 2, SeriesAssembler.ONE_PUBLICATION_PER_STUDY))
                .isEmpty();
        jobs.succeeded(first.get(0).id());
        assertThat(jobs.claimDue(SeriesAssembler.PUBLISH, 2, SeriesAssembler.ONE_PUBLICATION_PER_STUDY))
                .hasSize(1);
        // a rejection note waits while a delivery of a series it withdraws runs
        a.derived().registerDerived(List.of(derived("2.25.12", "2.25.12.1", "MR")), true, "1.2.9.10", "m 1", false);
        List<org.srinode.jobs.Job> delivering =
                jobs.claimDue(JobKind.FORWARD, 8, SeriesAssembler.REJECTION_AFTER_DELIVERY);
        long d12 = delivering.stream()
                .filter(j -> j.seriesUid().equals("2.25.12"))
                .findFirst()
                .orElseThrow()
                .id();
        for (org.srinode.jobs.Job j : delivering) {
            if (j.id() != d12) {
                jobs.succeeded(j.id());
            }
        }
        a.derived()
                .supersede("1.2.9.10", java.util.Set.of(), "NOT_ENHANCED", w -> derived("2.25.13", "2.25.13.1", "KO"));
        assertThat(jobState("2.25.13", "FORWARD")).isEqualTo("PENDING");
        assertThat(jobs.claimDue(JobKind.FORWARD, 8, SeriesAssembler.REJECTION_AFTER_DELIVERY))
                .isEmpty();
        assertThat(jobs.claimDue(JobKind.FORWARD, 8, null))
                .as("without the rule it would go now")
                .hasSize(1);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE job SET state = 'PENDING' WHERE series_uid = '2.25.13'");
        }
        jobs.cancel(d12, "superseded while being sent");
        assertThat(jobs.claimDue(JobKind.FORWARD, 8, SeriesAssembler.REJECTION_AFTER_DELIVERY))
                .extracting(org.srinode.jobs.Job::seriesUid)
                .containsExactly("2.25.13");
    }
}
