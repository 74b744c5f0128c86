package org.srinode.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command line tool (dcmtk, dciodvfy) and keeps its exit code and output. */
record Proc(int exitCode, String output) {
    static Proc run(Path log, String... command) throws IOException, InterruptedException {
        return run(log, 300, command);
    }

    /** As {@link #run(Path, String...)}, killed after {@code timeoutSeconds}. */
    static Proc run(Path log, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", cmd));
        }
        return new Proc(p.exitValue(), Files.readString(log));
    }
}
