package org.srinode.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The offline commands say what is wrong with their arguments (exit status 2) instead of printing only the usage or a
 * Java stack trace: a missing option is named, a bad number or {@code --contrast} value is quoted with what to give.
 */
class CommandLineMessagesTest {
    @FunctionalInterface
    interface Command {
        int run() throws Exception;
    }

    /** Runs {@code command} with stderr captured; returns "exit status|stderr". */
    private static String run(Command command) throws Exception {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = command.run();
            return rc + "|" + err.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(before);
        }
    }

    @Test
    void evaluateNamesWhatIsMissingOrWrong() throws Exception {
        assertThat(run(() -> Main.evaluate(new String[0])))
                .startsWith("2|evaluate: missing --input <folder|file>")
                .contains("and --output <folder>");
        assertThat(run(() -> Main.evaluate(new String[] {"--input", "x"})))
                .startsWith("2|evaluate: missing --output <folder>")
                .doesNotContain("missing --input");
        assertThat(run(() -> Main.evaluate(new String[] {"--max-slices", "many"})))
                .startsWith("2|--max-slices many: give a whole number of at least 1");
        assertThat(run(() -> Main.evaluate(new String[] {"--max-slices", "0"})))
                .startsWith("2|--max-slices 0: give a whole number");
        assertThat(run(() -> Main.evaluate(new String[] {"--seed", "1.5"})))
                .startsWith("2|--seed 1.5: give a whole number");
        for (String bad : new String[] {"T2", "=T2", "register_T2w="}) {
            assertThat(run(() -> Main.evaluate(new String[] {"--contrast", bad})))
                    .as(bad)
                    .startsWith("2|--contrast " + bad + ": give <case>=<contrast>");
        }
        // the last of two was kept before: a second volume folder was silently not evaluated
        assertThat(run(() -> Main.evaluate(new String[] {"--input", "a", "--input", "b"})))
                .startsWith("2|--input given twice (a, b): evaluate takes one folder or file");
        assertThat(run(() -> Main.evaluate(new String[] {"--output", "a", "--output", "b"})))
                .startsWith("2|--output given twice (a, b)");
        assertThat(run(() -> Main.evaluate(new String[] {"--contrast", "x=T1", "--contrast", "x=T2"})))
                .startsWith("2|--contrast x=T2: case x was already given as T1");
        assertThat(run(() -> Main.evaluate(new String[] {"--contrast", "x=T1", "--contrast", "x=T1"})))
                .as("the same pair twice is harmless")
                .startsWith("2|evaluate: missing --input");
    }

    /** A folder that is no model, an output that is a file, or two models of one scale: said before any work. */
    @Test
    void evaluateChecksItsFoldersFirst(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        assertThat(run(() -> Main.evaluate(new String[] {
                    "--input", dir.toString(), "--output", dir.resolve("out").toString(), "--model", dir.toString()
                })))
                .startsWith("2|--model " + dir + ": not a model folder (no config.json there");
        assertThat(run(() -> Main.evaluate(new String[] {
                    "--input", dir.toString(), "--output", file.toString(), "--model", "models/sri-default-x2"
                })))
                .startsWith("2|--output " + file + " is a file");
        assertThat(run(() -> Main.evaluate(new String[] {"--input", "x", "--output"})))
                .startsWith("2|--output needs a value");
        assertThat(run(() -> Main.evaluate(new String[] {"--input", "x", "--outptu"})))
                .startsWith("2|unknown option --outptu");
        if (java.nio.file.Files.exists(java.nio.file.Path.of("models/sri-default-x2/model.pt"))) {
            assertThat(run(() -> Main.evaluate(new String[] {
                        "--input",
                        dir.toString(),
                        "--output",
                        dir.resolve("out").toString(),
                        "--model",
                        "models/sri-default-x2",
                        "--model",
                        "models/sri-default-x2"
                    })))
                    .contains("are both x2: give one model per scale");
        }
    }

    /** The bench and demo tools refuse an unknown option, a missing value and a number below 1. */
    @Test
    void benchAndDemoOptionsAreChecked() throws Exception {
        assertThat(run(() -> BenchE2e.run(new String[] {"--run", "3"})))
                .startsWith("2|bench-e2e: unknown option --run (known: --node, --pacs");
        assertThat(run(() -> BenchE2e.run(new String[] {"--runs", "0"})))
                .startsWith("2|--runs 0: give a whole number of at least 1");
        assertThat(run(() -> BenchScale.run(new String[] {"--db-url", "jdbc:postgresql://x/y", "--series", "abc"})))
                .startsWith("2|--series abc: give a whole number");
        assertThat(run(() -> Demo.run(new String[] {"--dicom-port"}))).startsWith("2|demo: --dicom-port needs a value");
        // a repeated option ran with its last value, silently
        assertThat(run(() -> BenchE2e.run(new String[] {"--runs", "2", "--runs", "3"})))
                .contains("--runs given twice: give it once");
        assertThat(run(() -> Main.evaluate(new String[] {"--seed", "1", "--seed", "2"})))
                .startsWith("2|evaluate: --seed given twice");
        assertThat(run(() -> Enhance.run(new String[] {"a", "--model", "m", "--model", "n", "--output", "o"})))
                .startsWith("2|enhance: --model given twice");
    }

    @Test
    void enhanceNamesWhatIsMissingOrWrong() throws Exception {
        assertThat(run(() -> Enhance.run(new String[0])))
                .startsWith("2|enhance: missing the input (a DICOM series folder or a NIfTI file) and --output");
        assertThat(run(() -> Enhance.run(new String[] {"series"}))).startsWith("2|enhance: missing --output <folder>");
        assertThat(run(() -> Enhance.run(new String[] {"a", "b", "--output", "o"})))
                .startsWith("2|enhance takes one input, got a and b");
        assertThat(run(() -> Enhance.run(new String[] {"a", "--output", "o", "--series-number", "x"})))
                .startsWith("2|--series-number x: give a whole number of at least 1");
        assertThat(run(() -> Enhance.run(new String[] {"a", "--output", "o", "--series-number", "2147483647"})))
                .startsWith("2|--series-number 2147483647: at most 2147483646");
        assertThat(run(() -> Enhance.run(new String[] {".", "--output", ".", "--model", "models/sri-default-x2"})))
                .startsWith("2|--output . is the input folder");
    }
}
