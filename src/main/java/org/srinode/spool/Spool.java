package org.srinode.spool;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.srinode.dicom.DicomHeaders;
import org.srinode.dicom.InstanceHeader;
import org.srinode.dicom.InvalidDicomException;
import org.srinode.files.DurableFiles;

/**
 * Durable instance store. A write goes to {@code .incoming/<random>.part}, is fsync'd, checked, and
 * atomically renamed to {@code <study>/<series>/<sop>.w<write>.dcm}; the parent folder is fsync'd too. Every write has
 * a file of its own ({@code <write>}: 16 hex digits of the write's random name; the {@code w}, which no UID contains,
 * marks it), so a second copy of one SOP Instance
 * UID never touches the first: the series assembly's registration decides which copy the instance row names and
 * removes the other after its transaction commits (the way a store that names files by attempt, like Orthanc's
 * storage area, keeps a refused re-send from changing what it holds). Files of earlier versions,
 * {@code <sop>.dcm}, are read the same way.
 */
public final class Spool {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Spool.class);
    private static final String INCOMING = ".incoming";
    private static final String DAMAGED = ".damaged";
    private static final String QUARANTINE = ".quarantine";

    /** The checks an instance must pass before it takes its place in the spool. */
    @FunctionalInterface
    public interface Check {
        /** The identifying header of a file that passed; throws with the reason otherwise. */
        InstanceHeader check(Path file) throws InvalidDicomException;
    }

    private final Path root;
    private final long reserveBytes;

    public Spool(Path root, long reserveBytes) {
        this.root = root.toAbsolutePath().normalize();
        this.reserveBytes = reserveBytes;
        try {
            Files.createDirectories(this.root.resolve(INCOMING));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the spool folder " + this.root, e);
        }
    }

    /** How often a write in progress looks at the free space again, in bytes written. */
    static final long RESERVE_CHECK_EVERY = 16L << 20;

    /**
     * Checks the free space against the reserve every {@link #RESERVE_CHECK_EVERY} bytes of a write: the check at
     * {@link #open} alone let a large instance (or several at once) fill the volume that also holds the database.
     */
    private final class ReserveCheck extends java.io.FilterOutputStream {
        private long sinceCheck;

        ReserveCheck(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            sinceCheck += len;
            if (sinceCheck >= RESERVE_CHECK_EVERY) {
                sinceCheck = 0;
                long free = freeBytes();
                if (free < reserveBytes) {
                    throw new IOException("free disk space " + (free >> 20) + " MiB fell below the reserve of "
                            + (reserveBytes >> 20) + " MiB while the instance was received");
                }
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    /** Starts a write; refuses when free space is below the reserve (checked again as the write goes on). */
    public PendingWrite open() throws SpoolFullException, IOException {
        long free = freeBytes();
        if (free < reserveBytes) {
            throw new SpoolFullException("free disk space " + (free >> 20) + " MiB is below the reserve of "
                    + (reserveBytes >> 20) + " MiB");
        }
        String write = UUID.randomUUID().toString().replace("-", "");
        return new PendingWrite(root.resolve(INCOMING).resolve(write + ".part"), "w" + write.substring(0, 16));
    }

    public long freeBytes() throws IOException {
        FileStore store = Files.getFileStore(root);
        return store.getUsableSpace();
    }

    /** Path of the file of one write of an instance, {@code <root>/<study>/<series>/<sop>.w<write>.dcm}. */
    private Path pathOf(InstanceHeader h, String write) {
        return root.resolve(h.studyInstanceUid())
                .resolve(h.seriesInstanceUid())
                .resolve(h.sopInstanceUid() + "." + write + ".dcm");
    }

    /** A spool file's name without its write's mark: {@code <sop>.dcm} for {@code <sop>.w<write>.dcm}. */
    private static final java.util.regex.Pattern WRITE_MARK =
            java.util.regex.Pattern.compile("\\.w[0-9a-f]{16}(?=\\.dcm$)");

    /**
     * The name an instance file of the spool has outside it, {@code <sop>.dcm}: a spool file's name without the mark of
     * the write that made it ({@code <sop>.w<write>.dcm}); any other name (files of earlier versions, derived series)
     * as it is. Where the node copies a series to (the outbox), a re-sent instance then replaces its earlier copy.
     */
    public static String instanceFileName(Path file) {
        return WRITE_MARK.matcher(file.getFileName().toString()).replaceFirst("");
    }

    /**
     * A temporary file untouched this long belongs to no running write: an association that stops sending is aborted
     * after {@code SRI_DICOM_IDLE_TIMEOUT_MS} (one minute by default), so only a crashed process leaves one this old.
     * The same age as every other folder's temporary files ({@link DurableFiles#STALE_TEMPORARY}).
     */
    public static final java.time.Duration STALE_PART = DurableFiles.STALE_TEMPORARY;

    /**
     * Recovery after a crash: removes stale temporary files and returns the committed files (a caller checks only
     * those no instance row names; more than one file of one SOP Instance UID may be among them, see
     * {@link Spool}). Only temporary files older
     * than {@link #STALE_PART} are removed: in a cluster another ingest node may be writing into the same spool
     * right now (deploy/README.md, Storage); their age is measured by the clock that stamps the spool's files
     * ({@link DurableFiles#fileSystemNow}), not by this node's.
     */
    public List<Path> committedFiles() throws IOException {
        List<Path> found = new ArrayList<>();
        forEachCommittedFolder((folder, files) -> found.addAll(files));
        return found;
    }

    /** Receives the committed files of one folder ({@link #forEachCommittedFolder}). */
    @FunctionalInterface
    public interface FolderFiles {
        void accept(Path folder, List<Path> files) throws IOException;
    }

    /**
     * {@link #committedFiles}, one folder at a time: removes the stale temporary files first, then hands {@code each}
     * the committed files of every folder that has any (in the spool's layout, one series), so that a caller's memory
     * is bounded by the largest series rather than by the spool.
     *
     * @throws IOException when the walk cannot start, or what {@code each} threw
     */
    public void forEachCommittedFolder(FolderFiles each) throws IOException {
        java.nio.file.attribute.FileTime staleBefore = java.nio.file.attribute.FileTime.from(
                DurableFiles.fileSystemNow(root.resolve(INCOMING)).minus(STALE_PART));
        try (Stream<Path> parts = Files.list(root.resolve(INCOMING))) {
            for (Path p : (Iterable<Path>) parts::iterator) {
                try {
                    if (Files.getLastModifiedTime(p).compareTo(staleBefore) < 0) {
                        Files.deleteIfExists(p);
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // its write finished (renamed) or failed (removed) meanwhile
                }
            }
        }
        java.util.Deque<List<Path>> open = new java.util.ArrayDeque<>(); // the files of each folder being walked
        try {
            Files.walkFileTree(root, java.util.Set.of(), 3, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(
                        Path d, java.nio.file.attribute.BasicFileAttributes a) {
                    if (d.equals(root.resolve(INCOMING))
                            || d.equals(root.resolve(DAMAGED))
                            || d.equals(root.resolve(QUARANTINE))) {
                        return java.nio.file.FileVisitResult.SKIP_SUBTREE;
                    }
                    open.push(new ArrayList<>());
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                    if (f.getFileName().toString().endsWith(".dcm") && !open.isEmpty()) {
                        open.peek().add(f);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
                    // a folder that cannot be listed (no permission: a volume's lost+found) or gone meanwhile (another
                    // ingest node quarantined it) must not stop spool recovery: the rest is recovered
                    if (!(e instanceof java.nio.file.NoSuchFileException)) {
                        LOG.warnf("spool recovery: %s skipped, it cannot be read: %s", f, e);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) {
                    if (e != null) {
                        LOG.warnf("spool recovery: listing %s failed part-way: %s", d, e);
                    }
                    List<Path> files = open.pop();
                    if (!files.isEmpty()) {
                        try {
                            each.accept(d, files);
                        } catch (IOException x) {
                            throw new java.io.UncheckedIOException(x);
                        }
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Reads a committed file back, checked like a received instance ({@link DicomHeaders#readAndCheck(Path)}).
     *
     * @throws InvalidDicomException when it no longer passes (the caller quarantines it)
     */
    public SpooledInstance reopen(Path file) throws IOException, InvalidDicomException {
        return new SpooledInstance(DicomHeaders.readAndCheck(file), file, Files.size(file), "");
    }

    /** Where files that cannot be registered are kept, each beside a {@code .reason.txt}. */
    public Path quarantineDirectory() {
        return root.resolve(QUARANTINE);
    }

    /**
     * Moves a committed file out of the spool into the quarantine (never deleted), with the reason
     * in a text file beside it; returns the file's new path.
     */
    public Path quarantine(Path file, String reason) throws IOException {
        Path dir = quarantineDirectory();
        DurableFiles.createDirectories(dir);
        String name = UUID.randomUUID() + "-" + file.getFileName();
        Path target = dir.resolve(name);
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(
                dir.resolve(name + ".reason.txt"), (reason == null ? "unknown" : reason) + System.lineSeparator());
        DurableFiles.forceDirectory(dir);
        return target;
    }

    /**
     * Removes the file of a committed write whose registration was refused or rolled back. The file is this write's
     * own (see {@link Spool}): an earlier copy of the same instance, and its registration, stay as they were.
     */
    public void withdraw(SpooledInstance instance) throws IOException {
        Files.deleteIfExists(instance.path());
        DurableFiles.forceDirectory(instance.path().getParent());
    }

    /** Every committed instance on disk, read back (used by tests and tools; the node uses committedFiles). */
    public List<SpooledInstance> scan() throws IOException {
        List<SpooledInstance> found = new ArrayList<>();
        for (Path p : committedFiles()) {
            try {
                found.add(reopen(p));
            } catch (InvalidDicomException e) {
                quarantine(p, e.getMessage());
            }
        }
        return found;
    }

    /** One instance being written. */
    public final class PendingWrite implements AutoCloseable {
        private final Path temp;
        private final String write;
        private final FileChannel channel;
        private final OutputStream out;
        private boolean finished;

        private PendingWrite(Path temp, String write) throws IOException {
            this.temp = temp;
            this.write = write;
            this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.out = new BufferedOutputStream(
                    new ReserveCheck(java.nio.channels.Channels.newOutputStream(channel)), 1 << 16);
        }

        public OutputStream stream() {
            return out;
        }

        /**
         * fsync, check the data set with {@code check}, rename into place as a file of its own (an earlier copy of the
         * same instance stays; see {@link Spool}), fsync the folder.
         *
         * @throws InvalidDicomException from the check; the temporary file is removed
         */
        public SpooledInstance commit(String callingAe, Check check) throws IOException, InvalidDicomException {
            out.flush();
            channel.force(true);
            out.close();
            InstanceHeader h;
            try {
                h = check.check(temp);
            } catch (InvalidDicomException | RuntimeException e) {
                discard();
                throw e;
            }
            Path target = pathOf(h, write);
            DurableFiles.createDirectories(target.getParent()); // a new study or series folder survives a power cut
            long size = Files.size(temp);
            DurableFiles.moveIntoPlace(temp, target);
            finished = true;
            return new SpooledInstance(h, target, size, callingAe);
        }

        /** {@link #commit(String, Check)} with the node's standard check and no expected SOP Class/Instance. */
        public SpooledInstance commit(String callingAe) throws IOException, InvalidDicomException {
            return commit(callingAe, DicomHeaders::readAndCheck);
        }

        public void discard() {
            finished = true;
            try {
                out.close();
            } catch (IOException ignored) {
                // the file is deleted below either way
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a stale .part is removed by the next scan()
            }
        }

        @Override
        public void close() {
            if (!finished) {
                discard();
            }
        }
    }
}
