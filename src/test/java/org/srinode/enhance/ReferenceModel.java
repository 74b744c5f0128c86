package org.srinode.enhance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A seeded, untrained model exported by the project's Python code (hlhgan.reference), with reference outputs. */
final class ReferenceModel {
    private ReferenceModel() {}

    static Path create(String name, String preset, int scale) throws IOException, InterruptedException {
        Path dir = Path.of("target", "reference-models", name).toAbsolutePath();
        if (Files.exists(dir.resolve("parity-out.f32"))) {
            return dir;
        }
        Process p = new ProcessBuilder(
                        "/usr/bin/python3",
                        "-m",
                        "hlhgan.reference",
                        "--out",
                        dir.toString(),
                        "--preset",
                        preset,
                        "--scale",
                        Integer.toString(scale))
                .directory(Path.of("models").toFile())
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("hlhgan.reference failed: " + log);
        }
        return dir;
    }

    static float[] floats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
