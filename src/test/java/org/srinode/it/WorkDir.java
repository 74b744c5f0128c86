package org.srinode.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A fresh folder per test class under target/it-work, kept after the run so that logs can be read. */
final class WorkDir {
    private WorkDir() {}

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

    /**
     * Closes every peer that was started (null: never created, e.g. a start-up failed in a {@code @BeforeAll}),
     * each even when an earlier one fails, so that no node or Orthanc process outlives its test; rethrows the first failure.
     */
    static void closeAll(AutoCloseable... peers) throws Exception {
        Exception first = null;
        for (AutoCloseable p : peers) {
            try {
                if (p != null) {
                    p.close();
                }
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
