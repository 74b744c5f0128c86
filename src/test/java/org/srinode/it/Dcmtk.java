package org.srinode.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** dcmtk's echoscu/storescu as the modality. */
final class Dcmtk {
    private final Path logDir;
    private int n;

    Dcmtk(Path logDir) {
        this.logDir = logDir;
    }

    Proc echo(String callingAe, int port) throws IOException, InterruptedException {
        return Proc.run(
                logDir.resolve("echoscu-" + (++n) + ".log"),
                "echoscu",
                "-aet",
                callingAe,
                "-aec",
                "SRI_NODE",
                "127.0.0.1",
                Integer.toString(port));
    }

    /** storescu proposes only uncompressed syntaxes unless told: the option that proposes the file's own. */
    private static final java.util.Map<String, String> PROPOSE = java.util.Map.of(
            "1.2.840.10008.1.2",
            "-xi",
            "1.2.840.10008.1.2.1",
            "-xe",
            "1.2.840.10008.1.2.2",
            "-xb",
            "1.2.840.10008.1.2.5",
            "-xr",
            "1.2.840.10008.1.2.4.70",
            "-xs",
            "1.2.840.10008.1.2.4.80",
            "-xt",
            "1.2.840.10008.1.2.4.81",
            "-xu",
            "1.2.840.10008.1.2.4.90",
            "-xv",
            "1.2.840.10008.1.2.4.91",
            "-xw",
            "1.2.840.10008.1.2.1.99",
            "-xd");

    Proc storeAsIs(String callingAe, int port, Path file, String transferSyntax)
            throws IOException, InterruptedException {
        String option = PROPOSE.get(transferSyntax);
        if (option == null) {
            throw new IllegalArgumentException("no storescu option proposes " + transferSyntax);
        }
        return Proc.run(
                logDir.resolve("storescu-" + (++n) + ".log"),
                "storescu",
                "-v",
                option,
                "-aet",
                callingAe,
                "-aec",
                "SRI_NODE",
                "127.0.0.1",
                Integer.toString(port),
                file.toString());
    }

    Proc store(String callingAe, int port, Path... files) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "storescu",
                "-v",
                "+sd",
                "+r",
                "-aet",
                callingAe,
                "-aec",
                "SRI_NODE",
                "127.0.0.1",
                Integer.toString(port)));
        for (Path f : files) {
            cmd.add(f.toString());
        }
        return Proc.run(logDir.resolve("storescu-" + (++n) + ".log"), cmd.toArray(String[]::new));
    }
}
