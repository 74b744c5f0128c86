package org.srinode.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Key material for the unit tests of TLS, made by the JDK's keytool: EC P-256 key pairs in PKCS#12 files with the
 * password {@link #PASSWORD}, their PEM files as an operator would have them, and TLS contexts from them.
 */
public final class TestKeys {
    /** The password of every key store made here. */
    public static final String PASSWORD = "changeit";

    private TestKeys() {}

    /**
     * A self-signed key pair in {@code dir/<alias>.p12}.
     *
     * @param dname the subject, e.g. {@code CN=127.0.0.1}
     * @param san   keytool's subject alternative name ({@code ip:127.0.0.1}, {@code dns:host}); null for none
     */
    public static KeyStore keyPair(Path dir, String alias, String dname, String san) throws Exception {
        Path ks = dir.resolve(alias + ".p12");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                dname));
        if (san != null) {
            cmd.addAll(List.of("-ext", "san=" + san));
        }
        cmd.addAll(List.of(
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass",
                PASSWORD,
                "-noprompt"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(output).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    /** A trust store holding exactly the certificate of each key pair given. */
    public static KeyStore trusting(KeyStore... pairs) throws Exception {
        KeyStore t = KeyStore.getInstance(KeyStore.getDefaultType());
        t.load(null, null);
        for (int i = 0; i < pairs.length; i++) {
            t.setCertificateEntry(
                    "trusted-" + i, pairs[i].getCertificate(pairs[i].aliases().nextElement()));
        }
        return t;
    }

    /**
     * A TLS context with the key material of {@code key} (null: none) that trusts exactly the certificate of
     * {@code trusted} (null: the JDK's trust anchors).
     */
    public static SSLContext context(KeyStore key, KeyStore trusted) throws Exception {
        KeyManagerFactory kmf = null;
        if (key != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(key, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = null;
        if (trusted != null) {
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusting(trusted));
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * The pair's certificate as {@code dir/<name>.pem} and its key as PKCS#8 PEM {@code dir/<name>.key}.
     *
     * @return the certificate file, then the key file
     */
    public static Path[] pem(KeyStore pair, Path dir, String name) throws Exception {
        String alias = pair.aliases().nextElement();
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes());
        Path cert = Files.writeString(
                dir.resolve(name + ".pem"),
                "-----BEGIN CERTIFICATE-----\n"
                        + b64.encodeToString(pair.getCertificate(alias).getEncoded())
                        + "\n-----END CERTIFICATE-----\n");
        Path key = Files.writeString(
                dir.resolve(name + ".key"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + b64.encodeToString(
                                pair.getKey(alias, PASSWORD.toCharArray()).getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        return new Path[] {cert, key};
    }
}
