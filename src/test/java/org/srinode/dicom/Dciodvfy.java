package org.srinode.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** dicom3tools' {@code dciodvfy} (Debian's dicom3tools), the IOD checker the tests hold every file the node writes to. */
public final class Dciodvfy {
    private Dciodvfy() {}

    /**
     * Checks one file and fails the test on any line of the report that starts with "Error" (warnings pass).
     *
     * @return the whole report, for further checks (e.g. the IOD it recognised)
     */
    public static String assertClean(Path file) throws Exception {
        Process p = new ProcessBuilder("dciodvfy", file.toString())
                .redirectErrorStream(true)
                .start();
        String report = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("dciodvfy finished").isTrue();
        assertThat(report.lines().filter(l -> l.startsWith("Error")))
                .as(file + "\n" + report)
                .isEmpty();
        return report;
    }
}
