package org.srinode.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The peers the tests run with Node.js (src/test/js: package.json with its lock file, idp.mjs, scu.mjs), installed
 * with {@code npm ci} from the npm registry into target/test-js, again only when the lock file changed.
 */
final class JsPeers {
    private JsPeers() {}

    /** target/test-js with the scripts and their packages. */
    static synchronized Path install() throws IOException, InterruptedException {
        Path src = Path.of("src/test/js");
        Path dir = Path.of("target/test-js").toAbsolutePath();
        Files.createDirectories(dir);
        for (String f : new String[] {"package.json", "package-lock.json", "idp.mjs", "scu.mjs"}) {
            Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Path installed = dir.resolve("node_modules/.package-lock.json");
        Path stamp = dir.resolve("installed-lock.json");
        if (Files.exists(installed)
                && Files.exists(stamp)
                && Files.mismatch(stamp, dir.resolve("package-lock.json")) == -1) {
            return dir;
        }
        Proc npm = Proc.run(
                dir.resolve("npm-ci.log"),
                600,
                "npm",
                "ci",
                "--prefix",
                dir.toString(),
                "--no-audit",
                "--no-fund",
                "--ignore-scripts");
        if (npm.exitCode() != 0) {
            throw new IllegalStateException(
                    "npm ci of the tests' Node.js peers failed (the npm registry must be reachable): " + npm.output());
        }
        Files.copy(dir.resolve("package-lock.json"), stamp, StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }
}
