package org.srinode.forward;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;
import org.srinode.files.DurableFiles;

/** The embedded default destination: series copied into {@code outbox/<study>/<series>/}, durably. */
@ApplicationScoped
@Named("folderDestination")
public class FolderDestination {
    private static final Logger LOG = Logger.getLogger(FolderDestination.class);
    private final Path outbox;

    @Inject
    public FolderDestination(ForwardConfig config) {
        this(Path.of(config.outbox()));
    }

    /** A folder destination writing into {@code outbox}. */
    FolderDestination(Path outbox) {
        this.outbox = outbox;
    }

    /** Copies each instance file of a series folder ({@code <spool>/<study>/<series>/<file>}) into the outbox, durably. */
    public void store(List<Path> files) throws IOException {
        for (Path f : files) {
            Path series = f.getParent();
            Path target = outbox.resolve(series.getParent().getFileName())
                    .resolve(series.getFileName())
                    .resolve(f.getFileName());
            DurableFiles.copy(f, target);
        }
    }

    /**
     * Removes the temporary files ({@code *.part}) in {@code <outbox>/<study>/<series>/} that a copy cut by a crash
     * left ({@link DurableFiles#isStale}: unchanged for 15 minutes), so that a system watching the outbox never finds
     * them; a copy in progress (this node's or another's sharing the folder) stays. Run by the {@code
     * outbox-housekeeping} route at start-up and then every {@code sri.forward.outbox-sweep-ms}.
     *
     * @return how many were removed; 0 when there is no outbox (a file or folder that cannot be read or removed is
     *     skipped, with a warning for a file)
     * @throws IOException only when the walk itself cannot start
     */
    public int removeStaleTemporaries() throws IOException {
        if (!Files.isDirectory(outbox)) {
            return 0;
        }
        int[] count = {0};
        // links followed (an outbox or study folder on another volume); a watcher may move files and folders away
        // during the walk, and one file that cannot be removed must not stop the rest: both are skipped
        Files.walkFileTree(
                outbox,
                java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS),
                3,
                new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(
                            Path f, java.nio.file.attribute.BasicFileAttributes a) {
                        if (a.isRegularFile() && DurableFiles.isStale(f)) {
                            try {
                                if (Files.deleteIfExists(f)) {
                                    count[0]++;
                                }
                            } catch (IOException e) {
                                LOG.warnf("outbox: cannot remove the leftover %s: %s", f, e.getMessage());
                            }
                        }
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) {
                        if (e != null) { // a folder that could not be listed (gone, or no permission): the rest goes on
                            LOG.debugf("outbox: cannot list %s: %s", d, e.getMessage());
                        }
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
        int removed = count[0];
        if (removed > 0) {
            LOG.infof("outbox %s: removed %d temporary file(s) left by an interrupted copy", outbox, removed);
        }
        return removed;
    }
}
