package org.srinode.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A fresh folder per test class under target/it-work, kept after the run so that logs can be read. */
final class WorkDir {
    private WorkDir() {
    }

    static Path fresh(Class<?> testClass) throws IOException {
        Path dir = Path.of("target", "it-work", testClass.getSimpleName()).toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
