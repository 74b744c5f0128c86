package org.srinode.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A DICOM SCU whose outcome is data (dcmjs-dimse run by src/test/js/scu.mjs, {@link JsPeers}): one C-ECHO or C-STORE,
 * answered with the association's fate (accepted, or the A-ASSOCIATE-RJ's result, source and reason, PS3.8 9.3.4) and
 * the response's Status and Error Comment.
 */
final class JsScu {
    /**
     * @param association "accepted", "rejected" or null when none was made
     * @param status the response's Status (0000,0900), or -1 without a response
     */
    record Outcome(
            String association, int result, int source, int reason, int status, String errorComment, String error) {}

    private final Path work;

    JsScu(Path work) {
        this.work = work;
    }

    Outcome echo(String calling, int port) throws IOException, InterruptedException {
        return run(calling, port, "echo");
    }

    /** A C-ECHO over TLS with the client certificate and key given, the node's certificate checked against ca. */
    Outcome echoTls(String calling, int port, Path cert, Path key, Path ca) throws IOException, InterruptedException {
        return run(calling, port, "echo", "--tls", cert.toString(), key.toString(), ca.toString());
    }

    Outcome store(String calling, int port, Path file) throws IOException, InterruptedException {
        return run(calling, port, "store", file.toAbsolutePath().toString());
    }

    private Outcome run(String calling, int port, String what, String... more)
            throws IOException, InterruptedException {
        Path dir = JsPeers.install();
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                "node", dir.resolve("scu.mjs").toString(), Integer.toString(port), calling, "SRI_NODE", what));
        cmd.addAll(java.util.List.of(more));
        Proc p = Proc.run(work.resolve("scu-" + System.nanoTime() + ".log"), 120, cmd.toArray(String[]::new));
        String last = p.output().strip();
        last = last.substring(last.lastIndexOf('\n') + 1);
        JsonNode j = new ObjectMapper().readTree(last);
        return new Outcome(
                j.path("association").isMissingNode()
                        ? null
                        : j.path("association").asText(),
                j.path("result").asInt(-1),
                j.path("source").asInt(-1),
                j.path("reason").asInt(-1),
                j.path("status").asInt(-1),
                j.path("errorComment").isTextual() ? j.path("errorComment").asText() : null,
                j.path("error").isTextual() ? j.path("error").asText() : null);
    }
}
