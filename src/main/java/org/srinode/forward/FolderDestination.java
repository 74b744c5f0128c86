package org.srinode.forward;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

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
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".part");
            Files.copy(f, tmp, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
