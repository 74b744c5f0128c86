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
        this.outbox = Path.of(config.outbox());
    }

    public void store(List<Path> files) throws IOException {
        for (Path f : files) {
            Path series = f.getParent();
            Path target = outbox.resolve(series.getParent().getFileName())
                    .resolve(series.getFileName())
                    .resolve(f.getFileName());
            DurableFiles.copy(f, target);
        }
    }
}
