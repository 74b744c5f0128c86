package org.srinode.forward;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.srinode.files.DurableFiles;

/** The embedded default destination: series copied into {@code outbox/<study>/<series>/}, durably. */
@ApplicationScoped
@Named("folderDestination")
public class FolderDestination {
    private final Path outbox;

    @Inject
    public FolderDestination(ForwardConfig config) {
        this(Path.of(config.outbox()));
    }

    /** A folder destination writing into {@code outbox}. */
    FolderDestination(Path outbox) {
        this.outbox = outbox;
    }

    /**
     * Copies each instance file of a series folder ({@code <spool>/<study>/<series>/<file>}) into the outbox, durably, as
     * {@code <outbox>/<study>/<series>/<sop>.dcm} ({@link org.srinode.spool.Spool#instanceFileName}): a re-sent
     * instance forwarded again replaces its earlier copy there.
     */
    public void store(List<Path> files) throws IOException {
        for (Path f : files) {
            Path series = f.getParent();
            Path target = outbox.resolve(series.getParent().getFileName())
                    .resolve(series.getFileName())
                    .resolve(org.srinode.spool.Spool.instanceFileName(f));
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
        return DurableFiles.removeStale(outbox, 3);
    }
}
