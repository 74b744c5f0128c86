package org.srinode.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Files that are either complete on disk or absent, across a crash or a power cut: written under a temporary name
 * beside the target, forced to the device (fsync), renamed over the target in one atomic step, and the folder forced
 * so that the rename itself survives. The one implementation the spool, the derived-series writers and the outbox use.
 */
public final class DurableFiles {
    private DurableFiles() {}

    /** Writes the temporary file; may throw what its writer throws. */
    @FunctionalInterface
    public interface TempWriter<E extends Exception> {
        void write(Path temp) throws IOException, E;
    }

    /**
     * Writes {@code target} through {@code writer}: into {@code <target>.part}, fsync'd, renamed over {@code target}
     * (an earlier file is replaced), folder fsync'd. The folder is created when missing. On a failure the temporary
     * file is removed and {@code target} is as it was.
     *
     * @throws IOException when the file system cannot write, or cannot rename atomically
     */
    public static <E extends Exception> void write(Path target, TempWriter<E> writer) throws IOException, E {
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling(target.getFileName() + ".part");
        try {
            writer.write(temp);
            force(temp);
            moveIntoPlace(temp, target);
        } catch (Exception e) { // precise rethrow: IOException, E or unchecked
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Copies {@code source} durably to {@code target} ({@link #write}). */
    public static void copy(Path source, Path target) throws IOException {
        write(target, temp -> Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING));
    }

    /**
     * Renames a file that is already on the device ({@link #force}) over {@code target} in one atomic step and forces
     * the folder.
     *
     * @throws IOException naming the cause when the file system cannot rename atomically (two file systems, or one
     *     that does not support it)
     */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(
                    target.getParent() + " and " + temp.getParent()
                            + " must be on one file system that supports atomic rename",
                    e);
        }
        forceDirectory(target.getParent());
    }

    /** Forces a file's content to the device (fsync). */
    public static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
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
