package org.srinode.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @TempDir
    Path dir;

    @Test
    void aWriteReplacesTheTargetWholeAndLeavesNoTemporaryFile() throws Exception {
        Path target = dir.resolve("a/b/instance.dcm");
        DurableFiles.write(target, temp -> Files.writeString(temp, "first"));
        DurableFiles.write(target, temp -> Files.writeString(temp, "second"));
        assertThat(Files.readString(target)).isEqualTo("second");
        try (var files = Files.list(target.getParent())) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void aFailedWriteLeavesTheEarlierFileAndNoTemporaryFile() throws Exception {
        Path target = dir.resolve("instance.dcm");
        DurableFiles.write(target, temp -> Files.writeString(temp, "kept"));
        assertThatThrownBy(() -> DurableFiles.write(target, temp -> {
                    Files.writeString(temp, "half");
                    throw new IOException("disk full");
                }))
                .hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("kept");
        assertThat(Files.exists(dir.resolve("instance.dcm.part"))).isFalse();
    }

    @Test
    void aCopyIsByteForByte() throws Exception {
        Path source = Files.write(dir.resolve("source"), new byte[] {0, 1, 2, (byte) 0xff});
        Path target = dir.resolve("out/copy");
        DurableFiles.copy(source, target);
        assertThat(Files.readAllBytes(target)).isEqualTo(Files.readAllBytes(source));
    }
}
