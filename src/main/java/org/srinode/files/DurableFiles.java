package org.srinode.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Files that are either complete on disk or absent, across a crash or a power cut: written under a temporary name
 * beside the target, forced to the device (fsync), renamed over the target in one atomic step, and the folder forced
 * so that the rename itself survives. The one implementation the spool, the derived-series writers and the outbox use.
 */
public final class DurableFiles {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(DurableFiles.class);
    /**
     * Age (since its last modification) after which a temporary file counts as left by a crash ({@link #isStale}): a
     * writer of one DICOM file takes seconds, so this leaves room for a slow disk and for clocks that differ between a
     * node and a shared file server.
     */
    public static final java.time.Duration STALE_TEMPORARY = java.time.Duration.ofMinutes(15);

    private static volatile long reserveBytes;

    private DurableFiles() {}

    /**
     * The free space, in bytes, every {@link #write} and {@link #copy} leaves on the target's file system (the node's
     * {@code SRI_SPOOL_RESERVE_MB}, set at start-up by org.srinode.pipeline.DiskReserveSetting; 0, the default, checks nothing).
     * The reserve keeps room for the database and the spool on a shared volume; the spool's own writes check it as
     * they go (org.srinode.spool.Spool).
     */
    public static void reserve(long bytes) {
        reserveBytes = Math.max(0, bytes);
    }

    /**
     * Refuses a write of {@code adding} more bytes into {@code dir} when the free space would fall below the reserve.
     *
     * @throws DiskReserveException saying what is free and what the reserve is
     */
    private static void checkReserve(Path dir, long adding) throws IOException {
        long reserve = reserveBytes;
        if (reserve <= 0) {
            return;
        }
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free - adding < reserve) {
            throw new DiskReserveException("free disk space " + (free >> 20) + " MiB on " + dir + " is, or with "
                    + (adding >> 20) + " MiB more written would be, below the reserve of " + (reserve >> 20)
                    + " MiB (SRI_SPOOL_RESERVE_MB): nothing written; free space, and the job is retried");
        }
    }

    /** Writes the temporary file; may throw what its writer throws. */
    @FunctionalInterface
    public interface TempWriter<E extends Exception> {
        void write(Path temp) throws IOException, E;
    }

    /**
     * Writes {@code target} through {@code writer}: into a temporary file of its own beside the target
     * ({@code <name>.<random>.part}, so two writers of one target never share one), fsync'd, renamed over
     * {@code target} (an earlier file is replaced), folder fsync'd. Missing folders are created and made durable too.
     * When the writer or the fsync fails, the temporary file is removed and {@code target} is as it was; once the
     * rename is done, a failure to force the folder is reported but the target is already the new file. A crash between
     * the two leaves the temporary file behind; whoever owns the folder removes such files ({@link #isStale}).
     * Checked against the disk reserve ({@link #reserve}) before and after the temporary file is written.
     *
     * @throws DiskReserveException when the free space is, or after writing the file would be, below the reserve
     * @throws IOException when the file system cannot write, or cannot rename atomically
     */
    public static <E extends Exception> void write(Path target, TempWriter<E> writer) throws IOException, E {
        write(target, 0, true, writer);
    }

    /**
     * {@link #write} without the disk reserve: for the last-resort copy of data the node could not deliver (the
     * dead-letter folder), which an operator needs most when the disk is nearly full; only a full disk stops it.
     */
    public static <E extends Exception> void writeLastResort(Path target, TempWriter<E> writer) throws IOException, E {
        write(target, 0, false, writer);
    }

    /**
     * {@link #write} of a file whose size, {@code expectedBytes}, is known before: checked against the reserve first
     * (when {@code keepReserve}).
     */
    private static <E extends Exception> void write(
            Path target, long expectedBytes, boolean keepReserve, TempWriter<E> writer) throws IOException, E {
        createDirectories(target.getParent());
        if (keepReserve) {
            checkReserve(target.getParent(), expectedBytes);
        }
        Path temp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".part");
        try {
            writer.write(temp);
            if (keepReserve) {
                checkReserve(target.getParent(), 0);
            }
            force(temp);
            move(temp, target);
        } catch (Exception e) { // precise rethrow: IOException, E or unchecked
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        forceDirectory(target.getParent());
    }

    /**
     * Whether {@code file} is named like a temporary file of {@link #write} ({@code <name>.<digits>.part}: a writer's
     * file in progress, or left by a crash): not part of what its folder holds. Other {@code *.part} files (a browser's
     * download, say) are not this node's and are never removed as leftovers.
     */
    public static boolean isTemporary(Path file) {
        return TEMPORARY_NAME.matcher(file.getFileName().toString()).matches();
    }

    /** {@code <name>.<digits>.part}: what {@link Files#createTempFile} makes of {@link #write}'s prefix and suffix. */
    private static final java.util.regex.Pattern TEMPORARY_NAME = java.util.regex.Pattern.compile(".+\\.[0-9]+\\.part");

    /**
     * Whether {@code file} is a temporary file ({@link #isTemporary}) last modified more than {@link #STALE_TEMPORARY}
     * ago, so left by a crashed writer rather than being written now. False when it is gone (renamed by its writer
     * meanwhile) or cannot be read.
     */
    public static boolean isStale(Path file) {
        return isStale(file, fileSystemNow(file.getParent()));
    }

    /** {@link #isStale(Path)} against {@code now} of the file's file system ({@link #fileSystemNow}). */
    public static boolean isStale(Path file, java.time.Instant now) {
        if (!isTemporary(file)) {
            return false;
        }
        try {
            return unchangedFor(file, STALE_TEMPORARY, now);
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * Whether {@code file} was last modified longer than {@code age} before {@code now}, a time of the clock that
     * stamps the file's modification times ({@link #fileSystemNow}): the clock of this node and that of a file server
     * may differ by more than {@code age}, and a file written a second ago must never look old.
     *
     * @throws IOException when its modification time cannot be read (NoSuchFileException: it is gone)
     */
    public static boolean unchangedFor(Path file, java.time.Duration age, java.time.Instant now) throws IOException {
        return Files.getLastModifiedTime(file).toInstant().isBefore(now.minus(age));
    }

    /** {@link #fileSystemNow} of {@code folder}'s file system, read once per file system into {@code clocks}. */
    private static java.time.Instant clockOf(
            Path folder, java.util.Map<java.nio.file.FileStore, java.time.Instant> clocks) {
        try {
            return clocks.computeIfAbsent(Files.getFileStore(folder), store -> fileSystemNow(folder));
        } catch (IOException e) {
            return fileSystemNow(folder);
        }
    }

    /**
     * The time now by the clock that stamps modification times in {@code folder}: the modification time of a file
     * created there for the purpose and removed at once (a network file system's server may stamp them by its own
     * clock). This node's clock when the folder cannot be written (then logged).
     */
    public static java.time.Instant fileSystemNow(Path folder) {
        Path probe = null;
        try {
            probe = Files.createTempFile(folder, ".clock.", ".part");
            return Files.getLastModifiedTime(probe).toInstant();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warnf(
                    "cannot read the file system's clock in %s (%s); this node's clock is used for the age of files",
                    folder, e.getMessage());
            return java.time.Instant.now();
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException e) {
                    // a leftover temporary file: removed as stale later
                }
            }
        }
    }

    /**
     * Removes the stale temporary files ({@link #isStale}) found in {@code root} and its folders down to {@code depth}
     * levels (1: {@code root}'s own files; 3: {@code <root>/<study>/<series>/<file>}), following links (with loop
     * detection) so that a folder on another volume is swept too. Only regular files are removed; a linked file is
     * removed as a link, its target untouched. A file that cannot be removed (warned) or a folder that cannot be listed
     * (gone meanwhile, or no permission) is skipped and the rest goes on: a system watching the folder may move files
     * and folders away during the walk.
     *
     * @param root the folder owned by the caller (outbox, dead-letter or derived folder); nothing happens when it does
     *     not exist
     * @param depth how many folder levels to visit, at least 1
     * @return how many temporary files were removed (logged when any)
     * @throws IOException only when the walk itself cannot start
     */
    public static int removeStale(Path root, int depth) throws IOException {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int[] count = {0};
        // one clock per file system: the walk follows links onto other volumes, whose servers may keep other times
        java.util.Map<java.nio.file.FileStore, java.time.Instant> clocks = new java.util.HashMap<>();
        Files.walkFileTree(
                root,
                java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS),
                depth,
                new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(
                            Path f, java.nio.file.attribute.BasicFileAttributes a) {
                        if (a.isRegularFile() && isTemporary(f) && isStale(f, clockOf(f.getParent(), clocks))) {
                            try {
                                if (Files.deleteIfExists(f)) {
                                    count[0]++;
                                }
                            } catch (IOException e) {
                                LOG.warnf("cannot remove the leftover temporary file %s: %s", f, e.getMessage());
                            }
                        }
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
                        return java.nio.file.FileVisitResult.CONTINUE; // a link loop, or gone meanwhile
                    }

                    @Override
                    public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) {
                        if (e != null) { // SimpleFileVisitor would rethrow a listing failure and end the walk
                            LOG.debugf("cannot list %s: %s", d, e.getMessage());
                        }
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
        if (count[0] > 0) {
            LOG.infof("%s: removed %d temporary file(s) left by an interrupted write", root, count[0]);
        }
        return count[0];
    }

    /**
     * Removes the flat folder {@code dir} with its files, unless a writer's temporary file in progress ({@link
     * #isTemporary} and not {@link #isStale}) is in it: then nothing is removed, because another node (or thread) is
     * writing into the same folder now and its finished files belong to that write. Used to take back the output of an
     * attempt that did not count (a failed enhancement, a dead-letter copy of a job this node lost). A writer that starts
     * after the check can still lose files: the callers' folders are written by one job holder at a time, and the check
     * covers the hand-over.
     *
     * @param dir a folder without sub-folders; nothing happens when it does not exist
     * @return true when the folder is gone, false when a write in progress kept it whole
     * @throws IOException when the folder cannot be listed or a file or the folder cannot be removed
     */
    public static boolean removeFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        }
        if (files.stream().anyMatch(f -> isTemporary(f) && !isStale(f))) {
            return false;
        }
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
        Files.deleteIfExists(dir);
        return true;
    }

    /** Copies {@code source} durably to {@code target} ({@link #write}; refused first when it would not fit). */
    public static void copy(Path source, Path target) throws IOException {
        write(target, Files.size(source), true, temp -> Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING));
    }

    /** {@link #copy} without the disk reserve ({@link #writeLastResort}: dead-letter copies). */
    public static void copyLastResort(Path source, Path target) throws IOException {
        write(target, 0, false, temp -> Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING));
    }

    /**
     * Renames a file that is already on the device ({@link #force}) over {@code target} in one atomic step and forces
     * the folder.
     *
     * @throws IOException naming the cause when the file system cannot rename atomically (two file systems, or one
     *     that does not support it)
     */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        move(temp, target);
        forceDirectory(target.getParent());
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(
                    target.getParent() + " and " + temp.getParent()
                            + " must be on one file system that supports atomic rename",
                    e);
        }
    }

    /**
     * Creates {@code dir} and its missing parents, and forces each new folder and the existing one above them, so that
     * a folder made for a file does not vanish with a power cut while the file's rename survived.
     */
    public static void createDirectories(Path dir) throws IOException {
        java.util.Deque<Path> missing = new java.util.ArrayDeque<>();
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.isDirectory(existing)) {
            missing.push(existing);
            existing = existing.getParent();
        }
        if (missing.isEmpty()) {
            return;
        }
        Files.createDirectories(dir);
        for (Path created : missing) {
            forceDirectory(created);
        }
        if (existing != null) {
            forceDirectory(existing);
        }
    }

    /** Forces a file's content to the device (fsync). */
    public static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) { // fsync needs no write access
            ch.force(true);
        }
    }

    /** Forces a folder's entries (new, renamed or removed names) to the device. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
