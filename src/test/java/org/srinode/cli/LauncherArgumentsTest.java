package org.srinode.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./sri-node} launcher checks the benchmarks' arguments before it installs or builds anything (exit status
 * 2, a usage line that says what to give): an extra or malformed argument was ignored before and the benchmark ran with
 * its default.
 */
class LauncherArgumentsTest {
    /** Runs {@code bash ./sri-node args...} in the project folder; returns "exit status|stderr". */
    private static String launch(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", "./sri-node"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(Path.of(System.getProperty("user.dir")).toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("the check comes before any set-up")
                .isTrue();
        return p.exitValue() + "|" + err;
    }

    @Test
    void benchmarksRefuseExtraAndMalformedArguments() throws Exception {
        assertThat(launch("bench", "e2e", "5", "7"))
                .startsWith("2|")
                .contains("usage: ./sri-node bench e2e [a whole number of at least 1] (got 2 arguments)");
        assertThat(launch("bench", "scale", "0")).startsWith("2|").contains("(got: 0)");
        assertThat(launch("bench", "ingest", "folder", "two"))
                .startsWith("2|")
                .contains("[senders: a whole number of at least 1]");
        assertThat(launch("bench", "ingest", "folder", "2", "3")).startsWith("2|");
        assertThat(launch("bench", "model", "x")).startsWith("2|").contains("bench model (no arguments)");
    }
}
