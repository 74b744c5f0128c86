package org.srinode.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away certificate authority for the TLS tests, made with openssl in a folder: {@code ca.key} and {@code ca.pem},
 * then keys and certificates it signs as {@code <name>.key} and {@code <name>.pem} (PEM, RSA 2048, valid 2 days), as a
 * hospital's PKI would hand them to an operator.
 */
final class TestCa {
    private final Path dir;

    private TestCa(Path dir) {
        this.dir = dir;
    }

    /** Makes the CA's key and self-signed certificate in {@code dir} (which must exist). */
    static TestCa create(Path dir) throws Exception {
        selfSigned(dir, "ca", "sri-node test CA");
        return new TestCa(dir);
    }

    /** The CA's certificate ({@code ca.pem}), the trust anchor to give the node and its peers. */
    Path certificate() {
        return dir.resolve("ca.pem");
    }

    /** A key and certificate for {@code cn} signed by this CA, with one openssl extension line (e.g. a subjectAltName). */
    void signed(String name, String cn, String extension) throws Exception {
        Path ext = Files.writeString(dir.resolve(name + ".ext"), extension + "\n");
        String csr = dir.resolve(name + ".csr").toString();
        openssl(newKey(dir, name, csr, cn).toArray(String[]::new));
        openssl(
                "x509",
                "-req",
                "-in",
                csr,
                "-CA",
                certificate().toString(),
                "-CAkey",
                dir.resolve("ca.key").toString(),
                "-CAcreateserial",
                "-out",
                dir.resolve(name + ".pem").toString(),
                "-days",
                "2",
                "-extfile",
                ext.toString());
    }

    /**
     * A key and a self-signed certificate for {@code cn} in {@code dir} ({@code <name>.key}, {@code <name>.pem}), signed by
     * no CA: a rogue peer, or a certificate a site made by hand.
     *
     * @param extensions openssl {@code -addext} values, e.g. {@code subjectAltName=IP:127.0.0.1}
     */
    static void selfSigned(Path dir, String name, String cn, String... extensions) throws Exception {
        List<String> args = newKey(dir, name, dir.resolve(name + ".pem").toString(), cn);
        args.addAll(List.of("-x509", "-days", "2"));
        for (String e : extensions) {
            args.addAll(List.of("-addext", e));
        }
        new TestCa(dir).openssl(args.toArray(String[]::new));
    }

    /** {@code openssl req} arguments for a new RSA 2048 key in {@code <name>.key}, unencrypted, for {@code CN=cn}. */
    private static List<String> newKey(Path dir, String name, String out, String cn) {
        return new ArrayList<>(List.of(
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                dir.resolve(name + ".key").toString(),
                "-out",
                out,
                "-subj",
                "/CN=" + cn));
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Proc p = Proc.run(dir.resolve("openssl-" + System.nanoTime() + ".log"), cmd.toArray(String[]::new));
        assertThat(p.exitCode()).as(p.output()).isZero();
    }
}
